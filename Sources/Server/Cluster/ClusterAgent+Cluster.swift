// ClusterAgent+Cluster: what the API announces after a commit (created, changed, deleted
// jobs) and asks (who owns a job, the members and their load). Nothing here blocks or fails
// the API while Redis is away: announcements are hints, and reconciliation finds what a lost
// one said.
import EventLoop
import Logging

extension ClusterAgent {
    // MARK: - Cluster (what the API announces and asks)

    public func jobsCreated(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        created += zip(jobs, weights.created(jobs, now: reactor.nowMilliseconds)).map { ($0, $1) }
        if !announceTimer.isActive {
            announceTimer.start(after: 0)
        }
    }

    func announceCreated() {
        let jobs = created.map(\.job)
        let arguments = ClusterScripts.arguments([configuration.keys.channel], weights: created.lazy.map { ($0.job.id, $0.weight) })
        created = []
        guard !jobs.isEmpty else { return }
        commands.evaluate(ClusterScripts.submit, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("new jobs not announced; reconciliation will find them", metadata: [
                    "jobs": "\(jobs.count)", "first_job_id": "\(jobs[0].id)", "error": "\(error)"])
            }
        }
    }

    /// Applied here at once when this node owns the job, and published for every node: a node
    /// holding a creation-time copy of the job drops it.
    public func jobChanged(_ job: Job) {
        delegate?.changed(job)
        commands.send(["PUBLISH", configuration.keys.channel, ClusterMessage.updated([job.id]).text]) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("job change not announced; its owner re-reads it within its reload interval", metadata: [
                    "job_id": "\(job.id)", "error": "\(error)"])
            }
        }
    }

    public func jobDeleted(id: Int64) {
        weights.forget([id])
        delegate?.deleted([id])
        commands.evaluate(ClusterScripts.forget, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, String(id)]) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("job deletion not announced; reconciliation will remove it", metadata: ["job_id": "\(id)", "error": "\(error)"])
            }
        }
    }

    public func cancelRuns(_ runIDs: [Int64], on node: String) {
        guard node != configuration.nodeID else {
            delegate?.cancelRuns(runIDs)
            return
        }
        commands.send(["PUBLISH", configuration.keys.channel, ClusterMessage.cancel(node: node, runs: runIDs).text]) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("run cancellation not delivered", metadata: ["node_id": "\(node)", "runs": "\(runIDs)", "error": "\(error)"])
            }
        }
    }

    public func owner(of jobID: Int64, completion: @escaping (Result<String?, ClusterError>) -> Void) {
        guard commands.isConnected else { return completion(.failure(.unavailable("redis is unreachable"))) }
        commands.send(["HGET", configuration.keys.jobProcessed, String(jobID)]) { outcome in
            completion(outcome.map { $0.text }.mapError { .unavailable("\($0)") })
        }
    }

    public func state(completion: @escaping (Result<ClusterState, ClusterError>) -> Void) {
        guard commands.isConnected else { return completion(.failure(.unavailable("redis is unreachable"))) }
        commands.evaluate(ClusterScripts.state, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, "fast"]) { outcome in
            completion(outcome.mapError { .unavailable("\($0)") }.flatMap { reply in
                Result { () throws(RedisError) in try ClusterState(reply) }.mapError { .unavailable("\($0)") }
            })
        }
    }
}
