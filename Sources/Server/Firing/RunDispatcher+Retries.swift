// RunDispatcher+Retries: retries timed on this node. A retry is decided when a run ends
// (`record`), written with the run's end as its retry_at, and timed here so that it fires on
// time in the common case. The store is the truth: a node that adopts a job reads its retries,
// and every node polls the ones coming due (RetryPoll) and times those of its jobs it does not
// hold yet; the UNIQUE (job_id, scheduled_at, attempt) row makes a retry that two nodes claim
// run once. Retries waiting are bounded per job (`maxWaitingPerJob`) and on the node
// (`maxBacklog`); a retry over the bound is dropped — its retry_at cleared — with a warning.
import Logging

extension RunDispatcher {
    /// Times a retry (due at epoch ms `due`) of the run `runID`; false when over the bound
    /// (logged; the caller does not record it). A retry already held is not timed twice.
    @discardableResult
    func scheduleRetry(_ claim: TickClaim, at due: Int64, after runID: Int64) -> Bool {
        guard retryKeys[claim] == nil else { return true }
        guard retryCounts.count(of: claim.jobID) < configuration.maxWaitingPerJob, retries.count < configuration.maxBacklog else {
            logger.warning("retry dropped: too many retries wait", metadata: [
                "job_id": "\(claim.jobID)", "run_id": "\(runID)", "attempt": "\(claim.attempt)",
                "retries_waiting": "\(retryCounts.count(of: claim.jobID))", "retries_on_node": "\(retries.count)"])
            return false
        }
        nextRetryKey += 1
        retries[nextRetryKey] = claim
        retryKeys[claim] = nextRetryKey
        retryCounts.add(claim.jobID)
        timers.schedule(FiringTimer(kind: .retry, id: nextRetryKey), at: due)
        return true
    }

    /// A retry's timer expired.
    func retryDue(key: Int64) {
        guard let claim = retries.removeValue(forKey: key) else { return }
        retryKeys[claim] = nil
        retryCounts.remove(claim.jobID)
        fire(jobID: claim.jobID, tick: claim.scheduledAt, attempt: claim.attempt)
    }

    /// Retries read from the store (adoption, poll): those of jobs in the book, not paused,
    /// are timed unless held already; those over the bound are cleared in the store.
    func takeStoredRetries(_ stored: [StoredRetry]) {
        guard !stopping else { return }
        var dropped: [Int64] = []
        for retry in stored {
            guard let job = book.job(retry.claim.jobID), !job.definition.paused else { continue }
            if !scheduleRetry(retry.claim, at: retry.dueAt, after: retry.runID) {
                dropped.append(retry.runID)
            }
        }
        runStore.dropRetries(runIDs: dropped)
    }

    /// Drops the retries timed for these jobs (moved away, paused, deleted); those recorded in
    /// the store stay there for the job's owner.
    func dropRetries(of jobIDs: Set<Int64>) {
        guard !jobIDs.isEmpty, !retries.isEmpty else { return }
        for (key, claim) in retries where jobIDs.contains(claim.jobID) {
            retries[key] = nil
            retryKeys[claim] = nil
        }
        for jobID in jobIDs {
            retryCounts.removeAll(jobID)
        }
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
