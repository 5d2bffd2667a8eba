// RunDispatcher+Cancellation: stopping runs on this node. A run still waiting for a worker
// slot is recorded cancelled at once; a live one is stopped by its worker (TERM, then KILL
// after --kill-grace) and recorded cancelled when the worker reports. Pausing or deleting a
// job, replace, POST /runs/{id}/cancel and a stopping node come through here; so does a
// replace job's tick claimed while its runs were unfinished on other nodes (their nodes are
// asked, through the ownership side, to cancel them).
import EventLoop
import Logging
import Worker

extension RunDispatcher {
    // MARK: - Cancellation

    /// Stops a job's runs on this node: waiting ones are recorded cancelled at once, live ones
    /// are stopped by their worker (TERM, then KILL after --kill-grace) and recorded cancelled
    /// when it reports; its retries timed here are dropped (those of a paused job stay in the
    /// store for when it resumes; a deletion clears them there), and a claim in flight is cancelled when it
    /// returns.
    func cancelJob(_ jobID: Int64, reason: String) {
        for request in waiting.removeAll(of: jobID) {
            cancelWaiting(request.runID, reason: reason)
        }
        let dispatched = live.runIDs(of: jobID)
        dispatched.forEach(workers.cancel)
        dropRetries(of: [jobID])
        coalescing.remove(jobID)
        if live.isClaiming(jobID) {
            cancellations[jobID, default: 0] += 1
        }
        if !dispatched.isEmpty {
            logger.info("runs stopped", metadata: ["job_id": "\(jobID)", "runs": "\(dispatched.count)", "reason": "\(reason)"])
        }
    }

    /// Stops runs of this node by id (waiting: recorded cancelled; live: stopped by the worker).
    func cancel(runIDs: [Int64], reason: String) {
        for runID in runIDs {
            guard let run = live[runID] else { continue }
            if run.dispatched {
                workers.cancel(runID: runID)
            } else if waiting.remove(of: run.claim.jobID, where: { $0.runID == runID }) != nil {
                cancelWaiting(runID, reason: reason)
            }
        }
    }

    func cancelWaiting(_ runID: Int64, reason: String) {
        guard let run = live.remove(runID) else { return }
        record(run, status: .cancelled, result: nil, output: "dsched: cancelled before it started: \(reason)\n")
    }

    /// A `replace` job's tick won while runs of the job were unfinished on other nodes: their
    /// nodes are asked to cancel them (the new run does not wait, as with runs on this node).
    func replaceElsewhere(_ run: Run) {
        guard !run.replaces.isEmpty else { return }
        var byNode: [String: [Int64]] = [:]
        for (runID, nodeID) in run.replaces {
            byNode[nodeID, default: []].append(runID)
        }
        for (nodeID, runIDs) in byNode {
            logger.info("runs on another node replaced", metadata: [
                "job_id": "\(run.jobID)", "run_id": "\(run.id)", "node_id": "\(nodeID)", "replaced": "\(runIDs.sorted())"])
            cancelElsewhere(runIDs.sorted(), nodeID)
        }
    }
}
