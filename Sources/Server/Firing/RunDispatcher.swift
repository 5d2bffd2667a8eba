// RunDispatcher: turns due ticks into runs and runs into records (DESIGN, Flows 3-4).
//
//     fire(tick) ─► concurrency policy ─► claim (job_run insert, batched by the store)
//        won ─► WorkerPool.dispatch (or the worker backlog while no worker is up)
//        store down ─► TickBacklog, claimed again when it answers
//     worker reports ─► RunOutcome ─► RunStore.finished ─► RetryPolicy / done
//
// A tick is claimed by inserting its row (ON CONFLICT DO NOTHING): only the ticks this node
// won are run, so several nodes holding a job fire each tick once between them. A claim whose
// reply was lost is made again with `reclaim` (RunDispatcher+LostClaims); run-nows are claims
// too (RunDispatcher+RunNow). `forbid` records a tick `skipped` while a run of the job is live
// or being claimed; `replace` cancels the live runs first. Across nodes (the job just moved
// while its run goes on where it was), the claim statement does the same from the job's
// unfinished rows: it records the tick skipped naming that run and node, or returns the runs
// for their node to cancel. Won runs wait for a worker slot in a FairQueue (round-robin by job; at
// most the job's `max_concurrency`, within the node's `maxRunningPerJob`, of one job on the
// workers at once); a tick of a job that already has `maxWaitingPerJob` runs waiting, or that
// finds `maxBacklog` waiting on the node, is recorded `skipped` with the reason (late ticks
// are coalesced, never queued without bound).
// Failed, timed-out and lost runs are retried while attempts remain (RetryPolicy): the retry is
// recorded with the run's end (retry_at) and timed here; any owner of the job takes it from the
// store (RunDispatcher+Retries). A job with `repeat: false` is marked done after its run. While
// the node lease is fenced, nothing is claimed and the live runs are stopped and recorded lost
// (RunDispatcher+Fence).
import EventLoop
import Logging
import Worker

/// RunDispatcher claims ticks, hands won runs to the workers and records their outcome.
final class RunDispatcher: WorkerPoolDelegate {
    struct Configuration: Sendable {
        var nodeID: String
        /// Bytes of a run's output tail kept (the worker truncates to it).
        var outputLimit = 64 * 1024
        /// Won runs waiting for a worker slot (beyond: recorded skipped), and ticks waiting for
        /// the store to come back (beyond: the oldest dropped).
        var maxBacklog = 100_000
        /// Runs of one job waiting for a worker slot; a tick beyond is recorded skipped.
        var maxWaitingPerJob = 10
        /// Runs of one job on the workers at once.
        var maxRunningPerJob = Int.max
        /// Timeout (ms) of runs whose job sets none; nil: none.
        var maxRunTimeMilliseconds: Int64?
        /// Seconds between attempts to claim waiting ticks while the store fails.
        var storeRetryInterval = 0.5
        /// Seconds between sweeps for this node's orphaned `pending` rows, and how old (s since
        /// their claim) such a row must be to be recorded lost (RunDispatcher+LostClaims).
        var orphanSweepInterval = 5.0
        var orphanAfter = 10.0
    }

    let reactor: Reactor
    let configuration: Configuration
    let runStore: RunStore
    let workers: WorkerPool
    let book: JobBook
    let timers: TickTimers
    let logger: Logger
    var live = LiveRuns()
    /// Retries timed on this node, by wheel key, and the key of each.
    var retries: [Int64: TickClaim] = [:]
    var retryKeys: [TickClaim: Int64] = [:]
    /// Retries waiting, per job (bounded by `maxWaitingPerJob`).
    var retryCounts = JobCounts()
    var nextRetryKey: Int64 = 0
    /// Won runs waiting for a worker slot, round-robin by job.
    var waiting: FairQueue<WorkerMessage.RunRequest>
    /// Jobs warned about (coalesced ticks) until their waiting runs drain; whether the node's
    /// bound was warned about.
    var coalescing = Set<Int64>()
    var nodeFull = false
    /// Jobs cancelled while ticks of theirs were being claimed: how many times. A claim that
    /// returns after a cancellation records its run cancelled instead of starting it.
    var cancellations: [Int64: Int] = [:]
    var unclaimed: TickBacklog
    var storeRetryTimer: TimerWatcher!
    var orphanTimer: TimerWatcher!
    var stopping = false
    /// The stop's grace (s), for the output of the runs it ends.
    var stopGrace = 0.0
    var drainTimer: TimerWatcher?
    /// Set while the node lease is fenced (RunDispatcher+Fence): nothing is claimed.
    var fenced = false
    /// Set while the cluster's clock is not known (ClockSync): ticks held are not claimed.
    var clockStopped = false
    /// Live runs the fence cancelled: recorded lost when their worker reports them cancelled.
    var fencedRuns = Set<Int64>()
    /// Ticks, claims, skips, lateness and run ends (NodeMetrics).
    var metrics = FiringMetrics.none

    /// Told how long each run took (ms), for the job's weight.
    var onRunTime: (_ jobID: Int64, _ milliseconds: Double) -> Void = { _, _ in }
    /// Asks another node to cancel runs of its (a `replace` job's tick claimed here).
    var cancelElsewhere: (_ runIDs: [Int64], _ nodeID: String) -> Void = { _, _ in }

    init(reactor: Reactor, configuration: Configuration, runStore: RunStore, workers: WorkerPool, book: JobBook,
         timers: TickTimers, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.runStore = runStore
        self.workers = workers
        self.book = book
        self.timers = timers
        self.logger = logger
        unclaimed = TickBacklog(limit: configuration.maxBacklog)
        waiting = FairQueue(limit: configuration.maxBacklog, perJobLimit: configuration.maxWaitingPerJob)
        storeRetryTimer = TimerWatcher(reactor: reactor) { [unowned self] in claimWaiting() }
        orphanTimer = TimerWatcher(reactor: reactor) { [unowned self] in recordOrphans() }
        orphanTimer.start(after: configuration.orphanSweepInterval, every: configuration.orphanSweepInterval)
        workers.delegate = self
    }

    /// Whether a job has runs (or claims) on this node.
    func hasRuns(of jobID: Int64) -> Bool { live.isBusy(jobID) }

    /// Retries scheduled and not yet due.
    var pendingRetries: Int { retries.count }

    /// Runs waiting for a worker slot (GET /workers).
    var waitingRuns: Int { waiting.count }

    // MARK: - Firing

    /// A due tick of a job in the book: claimed under the job's concurrency policy. `misfire`:
    /// a missed tick replayed by the misfire policy, which its own bound (`maxMisfireRuns`)
    /// already limits: the job's cap of waiting runs does not coalesce it. `reclaim`: a tick
    /// whose claim failed, tried again (its row may exist, this node's and `pending`).
    func fire(jobID: Int64, tick: Int64, attempt: Int, misfire: Bool = false, reclaim: Bool = false) {
        guard !stopping, let job = book.job(jobID) else { return }
        if !reclaim { metrics.ticksFired.increment() }
        let claim = TickClaim(jobID: jobID, scheduledAt: tick, attempt: attempt)
        // Fired twice (a reclaim, or a retry both timed here and read back from the store
        // before its claim's answer), and this node runs it already: its row is that run's;
        // firing it again could only skip it or, under replace, cancel it.
        guard !live.holds(claim) else { return }
        guard !fenced, !clockStopped else { return keepUnclaimed(claim) }
        if live.isBusy(jobID) {
            switch job.definition.concurrency {
            case .forbid:
                metrics.skipped(.forbid)
                runStore.claim([claim], nodeID: configuration.nodeID, skipReason: "forbid: a run of this job is live",
                               concurrency: .allow, reclaim: reclaim) { _ in }
                return
            case .replace:
                cancel(runIDs: Array(live.runIDs(of: jobID)), reason: "replaced by a newer tick (concurrency: replace)")
            case .allow:
                break
            }
        }
        if let reason = coalesceReason(jobID, misfire: misfire) {
            metrics.skipped(.backlog)
            runStore.claim([claim], nodeID: configuration.nodeID, skipReason: reason, concurrency: .allow,
                           reclaim: reclaim) { _ in }
            return
        }
        claimAndDispatch(claim, job: job, misfire: misfire, concurrency: job.definition.concurrency, reclaim: reclaim)
    }

    /// Why a new run of the job cannot wait for a worker now (its own or the node's bound), or
    /// nil. Warns once per job (and once for the node) until its waiting runs drain.
    func coalesceReason(_ jobID: Int64, misfire: Bool) -> String? {
        switch waiting.refusal(for: jobID, ignoringJobLimit: misfire) {
        case nil:
            return nil
        case .jobFull:
            if coalescing.insert(jobID).inserted {
                logger.warning("job cannot keep up: its late ticks are recorded skipped", metadata: [
                    "job_id": "\(jobID)", "waiting": "\(waiting.count(of: jobID))"])
            }
            return "backlog: \(waiting.count(of: jobID)) runs of this job already wait for a worker"
        case .nodeFull:
            if !nodeFull {
                nodeFull = true
                logger.warning("node cannot keep up: late ticks are recorded skipped", metadata: ["waiting": "\(waiting.count)"])
            }
            return "backlog: \(waiting.count) runs already wait for a worker on this node"
        }
    }

    /// Records a tick `skipped` by the misfire policy without running it (`reason` goes to the log).
    func skip(jobID: Int64, tick: Int64, reason: String) {
        metrics.skipped(.misfire)
        logger.info("tick skipped", metadata: ["job_id": "\(jobID)", "scheduled_at": "\(tick)", "reason": "\(reason)"])
        runStore.claim([TickClaim(jobID: jobID, scheduledAt: tick, attempt: 1)], nodeID: configuration.nodeID, skipReason: reason) { _ in }
    }

    /// A job with no tick left: marked done, out of the wheel.
    func finish(jobID: Int64) {
        runStore.markDone(jobID: jobID)
        book.finish(jobID)
    }

    /// Claims a tick and queues the won run. `completion` (a run-now) hears the run, or nil when
    /// the tick was claimed already; without one (a scheduled tick), a store failure makes the
    /// tick wait for the store. `concurrency`: the policy the claim keeps against the job's
    /// runs on other nodes (a run-now: none). A row this node already runs (a reclaim of a tick
    /// that fired twice) counts as claimed already.
    func claimAndDispatch(_ claim: TickClaim, job: Job, misfire: Bool, concurrency: JobDraft.Concurrency = .allow,
                          reclaim: Bool = false, completion: ((Result<Run?, StoreError>) -> Void)? = nil) {
        live.claimStarted(job.id)
        metrics.ticksClaimed.increment()
        let cancelled = cancellations[job.id]
        runStore.claim([claim], nodeID: configuration.nodeID, skipReason: nil, concurrency: concurrency, reclaim: reclaim) { [self] outcome in
            live.claimEnded(job.id)
            let cancelledMeanwhile = cancellations[job.id] != cancelled
            if !live.isClaiming(job.id) {
                cancellations[job.id] = nil
            }
            switch outcome {
            case .success(let won):
                guard let run = won.first, live[run.id] == nil else {
                    completion?(.success(nil))
                    return
                }
                completion?(.success(run))
                guard run.status == .pending else {
                    // forbid: a run of the job is live on another node (the row says which).
                    metrics.skipped(.forbid)
                    return logger.info("tick skipped", metadata: [
                        "job_id": "\(job.id)", "run_id": "\(run.id)", "scheduled_at": "\(run.scheduledAt)", "reason": "\(run.output)"])
                }
                metrics.ticksWon.increment()
                replaceElsewhere(run)
                let won = TickClaim(jobID: job.id, scheduledAt: run.scheduledAt, attempt: run.attempt)
                // Fenced meanwhile: the row is held, to be taken back by the reclaim on unfence.
                guard !fenced else { return keepUnclaimed(won) }
                guard !cancelledMeanwhile else {
                    live.insert(runID: run.id, claim: won, maxConcurrency: job.definition.maxConcurrency)
                    return cancelWaiting(run.id, reason: "the job was paused or deleted while its tick was claimed")
                }
                dispatch(run, job: job, misfire: misfire)
            case .failure(let error):
                guard let completion else {
                    waitForStore(claim, error: error)
                    return
                }
                completion(.failure(error))
            }
        }
    }

    func dispatch(_ run: Run, job: Job, misfire: Bool) {
        let request = WorkerMessage.RunRequest(
            runID: run.id, jobID: job.id, jobName: job.definition.name, attempt: run.attempt,
            scheduledAt: RFC3339.format(milliseconds: run.scheduledAt), script: job.definition.script,
            timeoutMilliseconds: job.definition.timeoutMilliseconds ?? configuration.maxRunTimeMilliseconds,
            outputLimit: configuration.outputLimit, runAs: job.definition.runAs,
            maxMemoryBytes: job.definition.maxMemoryBytes, maxCPUSeconds: job.definition.maxCPUSeconds)
        let claim = TickClaim(jobID: job.id, scheduledAt: run.scheduledAt, attempt: run.attempt)
        if let reason = coalesceReason(job.id, misfire: misfire) {
            // Claims in flight when the bound was reached: the won row is recorded skipped.
            metrics.skipped(.backlog)
            return runStore.finished(Run(
                id: run.id, jobID: job.id, scheduledAt: run.scheduledAt, attempt: run.attempt, nodeID: configuration.nodeID,
                workerPID: nil, status: .skipped, startedAt: nil, finishedAt: reactor.nowMilliseconds, exitCode: nil, signal: nil,
                output: reason, outputTruncated: false, maxRSSKilobytes: nil, cpuUserMilliseconds: nil, cpuSystemMilliseconds: nil))
        }
        live.insert(runID: run.id, claim: claim, maxConcurrency: job.definition.maxConcurrency, retry: RetryPolicy(job.definition))
        waiting.append(request, jobID: job.id, ignoringJobLimit: misfire)
        workerReady()
    }

    // MARK: - WorkerPoolDelegate

    /// A worker slot may be free: hands out waiting runs, round-robin by job, each job within
    /// its concurrency limit (its own `max_concurrency`, within the node's).
    func workerReady() {
        while workers.freeSlots > 0,
              let request = waiting.pop(where: { live.mayDispatch($0, nodeLimit: configuration.maxRunningPerJob) }) {
            if waiting.count(of: request.jobID) == 0 {
                coalescing.remove(request.jobID)
            }
            guard workers.dispatch(request) else {
                // No worker took it after all (one died just now): it is lost, and retried.
                runsLost([request])
                continue
            }
            live.dispatched(runID: request.runID)
        }
        if waiting.isEmpty {
            nodeFull = false
        }
    }

    /// Fire lateness is measured for first attempts: a retry's start is late by its delay.
    func runStarted(runID: Int64, workerPID: Int32, at: Int64) {
        if let claim = live[runID]?.claim, claim.attempt == 1 {
            metrics.started(scheduledAt: claim.scheduledAt, startedAt: at)
        }
        live.started(runID: runID, workerPID: workerPID, at: at)
        runStore.started(runID: runID, workerPID: workerPID, at: at)
    }

    func runFinished(_ result: WorkerMessage.RunResult) {
        guard let run = live.remove(result.runID) else { return }
        let outcome = RunOutcome(result)
        // A run the fence killed is lost, whatever its worker saw first: the cancel, or the
        // script dying of the master's SIGKILL (which would read as failed).
        if fencedRuns.remove(result.runID) != nil, outcome.status != .succeeded {
            return record(run, status: .lost, result: result, output: outcome.output + Self.fencedNote)
        }
        record(run, status: outcome.status, result: result, output: outcome.output)
    }

    func runsLost(_ requests: [WorkerMessage.RunRequest]) {
        for request in requests {
            fencedRuns.remove(request.runID)
            recordLost(request.runID)
        }
    }

    /// Records a live run `lost`, its output saying why: the node stopping, or its worker.
    func recordLost(_ runID: Int64) {
        guard let run = live.remove(runID) else { return }
        let reason = stopping
            ? "the node stopped before the run ended (shutdown grace \(stopGrace.rounded() == stopGrace ? "\(Int(stopGrace))" : "\(stopGrace)") s)"
            : "the worker running it died or stopped answering (see the node's log)"
        logger.warning("run lost", metadata: ["run_id": "\(runID)", "job_id": "\(run.claim.jobID)", "reason": "\(reason)"])
        record(run, status: .lost, result: nil, output: "dsched: lost: \(reason)\n")
    }
}
