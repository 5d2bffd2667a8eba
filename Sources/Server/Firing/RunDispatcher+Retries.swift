// RunDispatcher+Retries: how a run's end is recorded, and retries. A retry is decided when a
// run ends (`record`), written with the run's end as its retry_at, and timed here so that it
// fires on time in the common case. The store is the truth: a node that adopts a job reads its retries,
// and every node polls the ones coming due (RetryPoll) and times those of its jobs it does not
// hold yet; the UNIQUE (job_id, scheduled_at, attempt) row makes a retry that two nodes claim
// run once. Retries waiting are bounded per job (`maxWaitingPerJob`) and on the node
// (`maxBacklog`); a retry over the bound is dropped — its retry_at cleared — with a warning.
import Logging
import Worker

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
            metrics.retriesDropped.increment()
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
            // A retry whose run is live here already (the read raced its claim) is not fired
            // again: under replace, that would cancel its own run.
            guard let job = book.job(retry.claim.jobID), !job.definition.paused, !live.holds(retry.claim) else { continue }
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

    // MARK: - Results

    /// Records how a run ended; a failed, timed-out or lost run with attempts left gets its
    /// retry, written with the same update (retry_at) and timed here while the job is in the
    /// book. A job no longer in the book (moved, deleted) is left to its owner's store reads.
    func record(_ run: LiveRuns.Run, status: Run.Status, result: WorkerMessage.RunResult?, output: String) {
        let claim = run.claim
        let finishedAt = result?.finishedAt ?? reactor.nowMilliseconds
        let job = book.job(claim.jobID)
        let policy = job.map { RetryPolicy($0.definition) } ?? run.retry
        var retryAt: Int64?
        if policy.retries(status, attempt: claim.attempt) {
            // On the cluster's clock, as every due time the wheel and the store hold.
            let due = book.now + policy.delay(attempt: claim.attempt)
            let next = TickClaim(jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt + 1)
            if job == nil || scheduleRetry(next, at: due, after: run.runID) {
                retryAt = due
            }
        }
        metrics.finished(status, startedAt: result?.startedAt ?? run.startedAt, finishedAt: finishedAt)
        runStore.finished(Run(
            id: run.runID, jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt,
            nodeID: configuration.nodeID, workerPID: run.workerPID, status: status,
            startedAt: result?.startedAt ?? run.startedAt, finishedAt: finishedAt,
            exitCode: result?.exitCode, signal: result?.signal, output: output, outputTruncated: result?.outputTruncated ?? false,
            maxRSSKilobytes: result?.maxRSSKilobytes, cpuUserMilliseconds: result?.cpuUserMilliseconds,
            cpuSystemMilliseconds: result?.cpuSystemMilliseconds, retryAt: retryAt))
        guard let job else { return }
        if let started = result?.startedAt, let finished = result?.finishedAt, finished >= started {
            onRunTime(claim.jobID, Double(finished - started))
        }
        if !policy.retries(status, attempt: claim.attempt) && !job.definition.repeats {
            // A one-shot's only run ended (also cancelled): nothing is left to fire.
            finish(jobID: claim.jobID)
        }
    }
}
