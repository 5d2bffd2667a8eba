// FiringPipeline: keeps this node's jobs in the timing wheel and turns their ticks into runs.
//
// Flow per tick (DESIGN, Flow 3-4): the wheel fires → the tick is claimed by inserting its
// job_run row (batched with every other tick due meanwhile, ON CONFLICT DO NOTHING) → only
// the ticks this node won go to the least-loaded worker → the worker's report is recorded
// (batched). Because ticks are computed from the job row alone and the row insert decides,
// several nodes holding the same job fire each tick once between them.
//
// The cluster agent says which jobs this node owns (`own`/`disown`); only those are in the
// wheel. An owned job is loaded at once (its row and its last recorded tick, batched; a job
// this node's API created moments ago is taken from memory), then re-read every
// `reloadInterval` when changed (versions first, then only the changed rows), and at once
// when an API changes it. When a job arrives (a new job, a failover, a rebalancing), ticks
// missed since its last recorded tick follow the job's misfire policy: run_once (the latest
// missed tick, once), skip, or run_all (at most `maxMisfireRuns`); so a job moved between
// nodes loses no tick, and the job_run insert keeps any tick from firing twice while two
// nodes briefly both hold it. Concurrency: `forbid` records a tick `skipped` while a run of
// the job is live; `replace` cancels the live run first. Failed, timed-out and lost runs are retried
// while attempts remain, after `retry_backoff · 2^(attempt-1)`. A job with `repeat: false` is
// marked done after its run. While PostgreSQL is down, due ticks wait (at most `maxBacklog`,
// oldest dropped first) and are claimed when it is back.
import Collections
import EventLoop
import Logging
import Worker

public final class FiringPipeline {
    public struct Configuration: Sendable {
        public var nodeID: String
        public var reloadInterval = 2.0
        public var outputLimit = 64 * 1024
        public var maxMisfireRuns = 100
        /// Claimed runs waiting for a worker (none running), and ticks waiting for the store to
        /// come back; beyond, runs are recorded lost and the oldest waiting ticks dropped.
        public var maxBacklog = 100_000
        /// Seconds between attempts to load adopted jobs or claim waiting ticks while the store fails.
        public var storeRetryInterval = 0.5

        public init(nodeID: String) {
            self.nodeID = nodeID
        }
    }

    /// A wheel timer: a job's next tick, or a retry.
    struct Timer {
        enum Kind: UInt8 {
            case tick
            case retry
        }

        let kind: Kind
        let id: Int64
    }

    /// A scheduled job. A class, so that the table of 100,000s of them holds pointers: a
    /// growing dictionary then moves 16-byte slots, not whole job rows (which showed up as
    /// pauses of tens of milliseconds under heavy submission).
    private final class Entry {
        var job: Job
        var times: FireTimes
        var timer: TimerHandle?
        /// Runs of this job not yet finished.
        var live: Set<Int64>
        /// Ticks of this job being claimed (their runs are not in `live` yet).
        var claiming = 0
        /// Fires per second, computed once per definition, and the mean run time observed on
        /// this node (exponentially weighted): the job's weight (JobWeight).
        let fireRate: Double
        var meanRunMilliseconds: Double?

        var weight: Double { JobWeight.weight(fireRate: fireRate, meanRunMilliseconds: meanRunMilliseconds) }

        init(job: Job, times: FireTimes, live: Set<Int64>, now: Int64, fireRate: Double?) {
            self.job = job
            self.times = times
            self.live = live
            self.fireRate = fireRate ?? JobWeight.fireRate(times, now: now)
        }
    }

    private struct LiveRun {
        let runID: Int64
        let claim: TickClaim
        var workerPID: Int32?
        var startedAt: Int64?
    }

    private let reactor: Reactor
    private let configuration: Configuration
    private let jobStore: JobStore
    private let runStore: RunStore
    private let logger: Logger
    private let workerPool: WorkerPool
    private var wheel: ReactorTimingWheel<Timer>!
    private var reloadTimer: TimerWatcher!

    private var entries: [Int64: Entry] = [:]
    private var liveRuns: [Int64: LiveRun] = [:]
    private var pendingRetries: [Int64: TickClaim] = [:]
    private var nextRetryKey: Int64 = 0
    private var backlog = Deque<WorkerMessage.RunRequest>()
    /// Jobs this node owns (some perhaps still loading).
    public private(set) var owned = Set<Int64>()
    /// Owned jobs not loaded yet, and whether a load is in flight.
    private var adopting = Set<Int64>()
    private var adoptInFlight = false
    /// The weight the cluster holds for each owned job, as far as this node knows.
    private var announced: [Int64: Double] = [:]
    /// Jobs changed while being adopted (the load may have read the old row): re-read after.
    private var changedWhileAdopting = Set<Int64>()
    /// Whether the runs a previous process with this node's id left unfinished (it was killed)
    /// are recorded lost: done before this process claims any tick, so its own are never hit.
    private var recovered = false
    /// Jobs this node's API just created, with when: if the leader gives them to this node,
    /// they are scheduled without reading them back. Bounded in number and age.
    private var fresh: [Int64: (job: Job, fireRate: Double?, at: Double)] = [:]
    private var freshOrder = Deque<(id: Int64, at: Double)>()
    /// Ticks that could not be claimed while the store was down, oldest first.
    private var unclaimed = Deque<TickClaim>()
    private var storeRetryTimer: TimerWatcher!
    private var reloading = false
    private var reloads = 0
    /// The store's clock at the last reload, less the margin: where the next one starts.
    private var changedSince: Int64?
    /// Versions of jobs seen but not in the wheel (paused): spares re-reading them every reload.
    private var unscheduled: [Int64: Int] = [:]
    static let fullReloadEvery = 15
    /// The longest wait before a retry (30 days), whatever the back-off and attempt.
    static let maxRetryDelay: Int64 = 30 * 86_400_000
    /// Schedule evaluations spent walking one arriving job's missed ticks before bisection
    /// takes over (see FireTimes.lastTicks): bounds the work an adoption does on the loop.
    static let maxMisfireScan = 10_000
    static let reloadMarginMilliseconds: Int64 = 1_000
    /// Jobs loaded per query when this node adopts many at once.
    static let adoptBatch = 1_000
    static let freshLimit = 100_000
    static let freshSeconds = 30.0
    private var stopping = false
    private var drainTimer: TimerWatcher?

    public init(reactor: Reactor, configuration: Configuration, jobStore: JobStore, runStore: RunStore,
                workerPool: WorkerPool, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.jobStore = jobStore
        self.runStore = runStore
        self.workerPool = workerPool
        self.logger = logger
        wheel = ReactorTimingWheel(reactor: reactor) { [unowned self] expired in
            self.expired(expired.payload, at: expired.deadline)
        }
        reloadTimer = TimerWatcher(reactor: reactor) { [unowned self] in reload() }
        storeRetryTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            guard recovered else { return recoverOwnRuns() }
            adopt()
            claimUnclaimed()
        }
    }

    public func start() {
        workerPool.delegate = self
        workerPool.start()
        recoverOwnRuns()
        reloadTimer.start(after: configuration.reloadInterval, every: configuration.reloadInterval)
    }

    /// Stops firing, lets the runs in flight finish and their results reach the store (for at
    /// most `grace` seconds), then stops the workers and calls `completion`.
    public func stop(grace: Double, completion: @escaping () -> Void) {
        stopping = true
        reloadTimer.stop()
        storeRetryTimer.stop()
        let deadline = reactor.monotonicNow + grace
        drainTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            guard (liveRuns.isEmpty && !runStore.hasPendingWrites) || reactor.monotonicNow >= deadline else { return }
            if !liveRuns.isEmpty {
                logger.warning("stopping with runs in flight", metadata: ["runs": "\(liveRuns.count)"])
            }
            drainTimer = nil
            workerPool.stop(completion: completion)
        }
        drainTimer?.start(after: 0, every: 0.05)
    }

    public var workers: [WorkerInfo] { workerPool.workers }

    /// Jobs in the wheel.
    public var scheduledJobs: Int { entries.count }

    // MARK: - Loading jobs

    private func reload() {
        guard !reloading, !owned.isEmpty else { return }
        reloading = true
        // Most reloads ask only for rows changed since the last one (less a margin for
        // transactions that committed late); every `fullReloadEvery`-th compares all versions,
        // which is how deletions made on other nodes are seen.
        reloads += 1
        let full = changedSince == nil || reloads % Self.fullReloadEvery == 0
        // Jobs this node learns of while the query runs are not in its answer: only those
        // known before it was sent can be judged deleted.
        let knownBefore = full ? Set(entries.keys).union(unscheduled.keys) : []
        let loading = adopting
        jobStore.versions(changedSince: full ? nil : changedSince) { [self] outcome in
            guard case .success(let answer) = outcome else {
                reloading = false
                return
            }
            let nextSince = answer.now - Self.reloadMarginMilliseconds
            for id in knownBefore where answer.versions[id] == nil {
                remove(jobID: id)
            }
            let changed = answer.versions.filter {
                owned.contains($0.key) && !adopting.contains($0.key) && !loading.contains($0.key)
                    && (entries[$0.key]?.job.version ?? unscheduled[$0.key]) != $0.value
            }.map(\.key)
            guard !changed.isEmpty else {
                changedSince = nextSince
                reloading = false
                return
            }
            jobStore.fetch(ids: changed) { [self] outcome in
                reloading = false
                if case .success(let jobs) = outcome {
                    changedSince = nextSince
                    jobs.filter { owned.contains($0.id) && !adopting.contains($0.id) }.forEach { update($0, lastTick: nil) }
                    logger.info("jobs loaded", metadata: ["changed": "\(jobs.count)", "scheduled": "\(entries.count)"])
                }
            }
        }
    }

    /// A job changed: take it into account now if this node owns it (its creation-time copy,
    /// if any, is dropped: an adoption then reads the changed row).
    public func jobChanged(_ job: Job) {
        fresh[job.id] = nil
        if adopting.contains(job.id) {
            changedWhileAdopting.insert(job.id)
            return
        }
        guard owned.contains(job.id) else { return }
        update(job, lastTick: nil)
    }

    /// Jobs changed elsewhere: re-read those this node owns (and forget the creation-time
    /// copies of the others, so that an adoption reads the changed row).
    public func refresh(_ ids: [Int64]) {
        ids.forEach { fresh[$0] = nil }
        ids.filter(adopting.contains).forEach { changedWhileAdopting.insert($0) }
        let mine = ids.filter { owned.contains($0) && !adopting.contains($0) }
        guard !mine.isEmpty else { return }
        jobStore.fetch(ids: mine) { [self] outcome in
            if case .success(let jobs) = outcome {
                jobs.forEach(jobChanged)
            }
        }
    }

    // MARK: - Ownership

    /// Takes jobs into the wheel: their rows and last ticks are loaded (batched), then missed
    /// ticks follow each job's misfire policy.
    public func own(_ ids: [Int64]) {
        for id in ids where owned.insert(id).inserted {
            adopting.insert(id)
        }
        adopt()
    }

    /// Drops jobs from the wheel (moved to another node, or deleted). Their runs in flight finish.
    public func disown(_ ids: [Int64]) {
        for id in ids {
            owned.remove(id)
            adopting.remove(id)
            announced[id] = nil
            remove(jobID: id)
        }
    }

    /// The weight of each owned job: its fire rate times its cost (see JobWeight).
    public func weights() -> [Int64: Double] {
        var weights: [Int64: Double] = [:]
        weights.reserveCapacity(owned.count)
        for id in owned {
            weights[id] = entries[id]?.weight ?? JobWeight.idle
        }
        return weights
    }

    /// The owned, loaded jobs whose weight moved more than a tenth away from what the cluster
    /// holds for them (as far as this node knows: the weight they had when it adopted them, or
    /// last pushed): observed run times, pauses, edits. Pushed, they go to `weightsPushed`.
    public func weightChanges() -> [Int64: Double] {
        var changes: [Int64: Double] = [:]
        for id in owned where !adopting.contains(id) {
            let weight = entries[id]?.weight ?? JobWeight.idle
            if let known = announced[id], abs(weight - known) <= 0.1 * known { continue }
            changes[id] = weight
        }
        return changes
    }

    public func weightsPushed(_ weights: [Int64: Double]) {
        for (id, weight) in weights where owned.contains(id) {
            announced[id] = weight
        }
    }

    /// The summed weight of the owned jobs (what the heartbeat publishes).
    public var ownedWeight: Double {
        entries.values.reduce(0) { $0 + $1.weight } + Double(max(owned.count - entries.count, 0)) * JobWeight.idle
    }

    /// Jobs just committed by this node's API (see `fresh`); returns their weights (for the
    /// announcement), computed once for both uses.
    public func jobsCreated(_ jobs: [Job]) -> [Double] {
        let now = reactor.monotonicNow
        let wallNow = reactor.nowMilliseconds
        var weights: [Double] = []
        weights.reserveCapacity(jobs.count)
        for job in jobs {
            let definition = job.definition
            let times = definition.paused || job.done ? nil : try? definition.fireTimes()
            let fireRate = times.map { JobWeight.fireRate($0, now: wallNow) }
            weights.append(fireRate.map { JobWeight.weight(fireRate: $0, meanRunMilliseconds: nil) } ?? JobWeight.idle)
            fresh[job.id] = (job, fireRate, now)
            freshOrder.append((job.id, now))
        }
        pruneFresh()
        return weights
    }

    private func pruneFresh() {
        let now = reactor.monotonicNow
        while let oldest = freshOrder.first, freshOrder.count > Self.freshLimit || now - oldest.at > Self.freshSeconds {
            freshOrder.removeFirst()
            if let entry = fresh[oldest.id], entry.at == oldest.at {
                fresh[oldest.id] = nil
            }
        }
    }

    private func recoverOwnRuns() {
        runStore.markLost(nodeID: configuration.nodeID) { [self] outcome in
            switch outcome {
            case .success(let runs):
                if runs > 0 {
                    logger.warning("runs left unfinished by an earlier process with this node id recorded lost", metadata: [
                        "node_id": "\(configuration.nodeID)", "runs": "\(runs)"])
                }
                recovered = true
                adopt()
            case .failure:
                storeRetryTimer.start(after: configuration.storeRetryInterval)
            }
        }
    }

    private func adopt() {
        guard recovered, !adoptInFlight, !stopping, !adopting.isEmpty else { return }
        // A job this node created moments ago has no recorded tick (and if another node did
        // fire it meanwhile, the job_run insert turns any tick fired again into a no-op).
        pruneFresh()
        for id in adopting where fresh[id] != nil {
            let (job, fireRate, _) = fresh.removeValue(forKey: id)!
            adopting.remove(id)
            if entries[id] == nil && unscheduled[id] == nil {
                update(job, lastTick: nil, fireRate: fireRate)
                announced[id] = entries[id]?.weight ?? JobWeight.idle
            }
        }
        guard !adopting.isEmpty else { return }
        let batch = Array(adopting.prefix(Self.adoptBatch))
        adoptInFlight = true
        let retry = { [self] (error: StoreError) in
            adoptInFlight = false
            logger.warning("owned jobs not loaded yet", metadata: ["jobs": "\(adopting.count)", "error": "\(error)"])
            storeRetryTimer.start(after: configuration.storeRetryInterval)
        }
        jobStore.fetch(ids: batch) { [self] outcome in
            switch outcome {
            case .failure(let error):
                retry(error)
            case .success(let jobs):
                runStore.lastTicks(jobIDs: jobs.map(\.id)) { [self] outcome in
                    switch outcome {
                    case .failure(let error):
                        retry(error)
                    case .success(let ticks):
                        adoptInFlight = false
                        // A job missing from the answer was deleted meanwhile: it stays owned
                        // (weightless) until the cluster forgets it.
                        batch.forEach { adopting.remove($0) }
                        for job in jobs where owned.contains(job.id) && entries[job.id] == nil && unscheduled[job.id] == nil {
                            update(job, lastTick: ticks[job.id])
                            announced[job.id] = entries[job.id]?.weight ?? JobWeight.idle
                        }
                        let stale = changedWhileAdopting.filter { !adopting.contains($0) }
                        changedWhileAdopting.subtract(stale)
                        refresh(Array(stale))
                        logger.info("jobs adopted", metadata: ["jobs": "\(jobs.count)", "scheduled": "\(entries.count)"])
                        adopt()
                    }
                }
            }
        }
    }

    private func remove(jobID: Int64) {
        unscheduled[jobID] = nil
        guard let entry = entries.removeValue(forKey: jobID) else { return }
        if let timer = entry.timer {
            wheel.cancel(timer)
        }
    }

    /// Schedules a job's next tick. `lastTick`: the last one recorded, for a job arriving on
    /// this node (missed ticks after it follow the misfire policy).
    private func update(_ job: Job, lastTick: Int64?, fireRate: Double? = nil) {
        let previous = entries[job.id]
        let seenBefore = previous != nil || unscheduled[job.id] != nil
        if let known = previous?.job.version ?? unscheduled[job.id], known >= job.version { return }
        if let timer = previous?.timer {
            wheel.cancel(timer)
        }
        guard !job.definition.paused, !job.done, let times = try? job.definition.fireTimes() else {
            entries[job.id] = nil
            unscheduled[job.id] = job.version
            return
        }
        unscheduled[job.id] = nil
        let now = reactor.nowMilliseconds
        let entry = Entry(job: job, times: times, live: previous?.live ?? [], now: now, fireRate: fireRate)
        entry.meanRunMilliseconds = previous?.meanRunMilliseconds
        if seenBefore {
            // A changed (or resumed) job starts from now: earlier ticks were the old schedule's,
            // or fell while it was paused.
            entry.timer = times.next(after: now).map { wheel.schedule(Timer(kind: .tick, id: job.id), at: $0) }
            entries[job.id] = entry
            return
        }
        // First sight of this job: ticks after its last recorded one (or its creation) that
        // are already past were missed.
        let reference = lastTick ?? max(job.createdAt - 1, times.start - 1)
        entries[job.id] = entry
        let kept: Int
        switch job.definition.misfire {
        case .runOnce: kept = 1
        case .runAll: kept = configuration.maxMisfireRuns
        case .skip: kept = 0
        }
        for tick in times.lastTicks(kept, after: reference, atOrBefore: now, maxScan: Self.maxMisfireScan) {
            fire(jobID: job.id, tick: tick, attempt: 1)
        }
        entry.timer = times.next(after: max(reference, now)).map { wheel.schedule(Timer(kind: .tick, id: job.id), at: $0) }
    }

    // MARK: - Firing

    private func expired(_ timer: Timer, at deadline: Int64) {
        guard !stopping else { return }
        switch timer.kind {
        case .tick:
            guard let entry = entries[timer.id] else { return }
            entry.timer = entry.times.next(after: deadline).map { wheel.schedule(Timer(kind: .tick, id: timer.id), at: $0) }
            fire(jobID: timer.id, tick: deadline, attempt: 1)
        case .retry:
            guard let claim = pendingRetries.removeValue(forKey: timer.id) else { return }
            fire(jobID: claim.jobID, tick: claim.scheduledAt, attempt: claim.attempt)
        }
    }

    private func fire(jobID: Int64, tick: Int64, attempt: Int) {
        guard !stopping, let entry = entries[jobID] else { return }
        let claim = TickClaim(jobID: jobID, scheduledAt: tick, attempt: attempt)
        if !entry.live.isEmpty || entry.claiming > 0 {
            switch entry.job.definition.concurrency {
            case .forbid:
                runStore.claim([claim], nodeID: configuration.nodeID, skipped: true) { _ in }
                return
            case .replace:
                entry.live.forEach { workerPool.cancel(runID: $0) }
            case .allow:
                break
            }
        }
        claimAndDispatch(claim, job: entry.job)
    }

    /// Runs a job now, outside its schedule (`POST /jobs/{id}/run`).
    public func runNow(_ job: Job, completion: @escaping (Result<Run, StoreError>) -> Void) {
        guard !stopping else {
            completion(.failure(.unavailable("the node is stopping")))
            return
        }
        let claim = TickClaim(jobID: job.id, scheduledAt: reactor.nowMilliseconds, attempt: 1)
        claimAndDispatch(claim, job: job, completion: completion)
    }

    private func claimAndDispatch(_ claim: TickClaim, job: Job, completion: ((Result<Run, StoreError>) -> Void)? = nil) {
        let entry = entries[job.id]
        entry?.claiming += 1
        runStore.claim([claim], nodeID: configuration.nodeID, skipped: false) { [self] outcome in
            entry?.claiming -= 1
            switch outcome {
            case .success(let won):
                guard let run = won.first else {
                    completion?(.failure(.failed("the tick was already claimed")))
                    return
                }
                completion?(.success(run))
                dispatch(run, job: job)
            case .failure(let error):
                guard let completion else {
                    waitForStore(claim, error: error)
                    return
                }
                completion(.failure(error))
            }
        }
    }

    /// A tick whose claim failed waits for the store (bounded: the oldest goes first).
    private func waitForStore(_ claim: TickClaim, error: StoreError) {
        guard case .unavailable = error else {
            logger.error("tick not claimed", metadata: ["job_id": "\(claim.jobID)", "scheduled_at": "\(claim.scheduledAt)", "error": "\(error)"])
            return
        }
        if unclaimed.count >= configuration.maxBacklog, let dropped = unclaimed.popFirst() {
            logger.error("tick dropped: too many waiting for the store", metadata: [
                "job_id": "\(dropped.jobID)", "scheduled_at": "\(dropped.scheduledAt)", "waiting": "\(unclaimed.count)"])
        }
        if unclaimed.isEmpty {
            logger.warning("ticks wait for the store", metadata: ["job_id": "\(claim.jobID)", "error": "\(error)"])
        }
        unclaimed.append(claim)
        if !storeRetryTimer.isActive {
            storeRetryTimer.start(after: configuration.storeRetryInterval)
        }
    }

    private func claimUnclaimed() {
        guard !stopping, !unclaimed.isEmpty else { return }
        let waiting = unclaimed
        unclaimed.removeAll()
        logger.info("claiming ticks that waited for the store", metadata: ["ticks": "\(waiting.count)"])
        // Through `fire`, so that forbid/replace hold among the waiting ticks too.
        for claim in waiting {
            fire(jobID: claim.jobID, tick: claim.scheduledAt, attempt: claim.attempt)
        }
    }

    private func dispatch(_ run: Run, job: Job) {
        let request = WorkerMessage.RunRequest(
            runID: run.id, jobID: job.id, jobName: job.definition.name, attempt: run.attempt,
            scheduledAt: RFC3339.format(milliseconds: run.scheduledAt), script: job.definition.script,
            timeoutMilliseconds: job.definition.timeoutMilliseconds, outputLimit: configuration.outputLimit)
        liveRuns[run.id] = LiveRun(runID: run.id, claim: TickClaim(jobID: job.id, scheduledAt: run.scheduledAt, attempt: run.attempt))
        entries[job.id]?.live.insert(run.id)
        if !backlog.isEmpty || !workerPool.dispatch(request) {
            guard backlog.count < configuration.maxBacklog else {
                lost([request])
                return
            }
            backlog.append(request)
        }
    }

    private func drainBacklog() {
        while let request = backlog.first, workerPool.dispatch(request) {
            backlog.removeFirst()
        }
    }

    // MARK: - Results

    private func started(runID: Int64, pid: Int32, at: Int64) {
        liveRuns[runID]?.workerPID = pid
        liveRuns[runID]?.startedAt = at
        runStore.started(runID: runID, workerPID: pid, at: at)
    }

    private func finished(_ result: WorkerMessage.RunResult) {
        guard let live = liveRuns.removeValue(forKey: result.runID) else { return }
        let status: Run.Status
        if result.error != nil {
            status = .failed
        } else if result.cancelled {
            status = .cancelled
        } else if result.timedOut {
            status = .timedOut
        } else {
            status = result.exitCode == 0 ? .succeeded : .failed
        }
        // PostgreSQL text cannot hold NUL (a script may print one): drop it.
        var output = result.output.contains("\0") ? String(result.output.unicodeScalars.filter { $0 != "\0" }) : result.output
        if let error = result.error {
            output = "dsched: could not start the script: \(error)\n" + output
        }
        record(live, status: status, result: result, output: output)
    }

    private func lost(_ requests: [WorkerMessage.RunRequest]) {
        for request in requests {
            guard let live = liveRuns.removeValue(forKey: request.runID) else { continue }
            logger.warning("run lost", metadata: ["run_id": "\(request.runID)", "job_id": "\(request.jobID)"])
            record(live, status: .lost, result: nil, output: "")
        }
    }

    private func record(_ live: LiveRun, status: Run.Status, result: WorkerMessage.RunResult?, output: String) {
        let claim = live.claim
        let now = reactor.nowMilliseconds
        runStore.finished(Run(
            id: live.runID, jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt,
            nodeID: configuration.nodeID, workerPID: live.workerPID, status: status,
            startedAt: result?.startedAt ?? live.startedAt, finishedAt: result?.finishedAt ?? now,
            exitCode: result?.exitCode, signal: result?.signal, output: output, outputTruncated: result?.outputTruncated ?? false,
            maxRSSKilobytes: result?.maxRSSKilobytes, cpuUserMilliseconds: result?.cpuUserMilliseconds,
            cpuSystemMilliseconds: result?.cpuSystemMilliseconds))
        guard let entry = entries[claim.jobID] else { return }
        entry.live = entry.live.filter { liveRuns[$0] != nil }
        if let started = result?.startedAt, let finished = result?.finishedAt, finished >= started {
            let duration = Double(finished - started)
            entry.meanRunMilliseconds = entry.meanRunMilliseconds.map { 0.8 * $0 + 0.2 * duration } ?? duration
        }
        let definition = entry.job.definition
        let failed = status == .failed || status == .timedOut || status == .lost
        if failed && claim.attempt <= definition.retries {
            // backoff · 2^(attempt-1), saturating: a huge back-off must not overflow the clock.
            let (scaled, overflow) = definition.retryBackoffMilliseconds.multipliedReportingOverflow(by: Int64(1) << min(claim.attempt - 1, 30))
            let delay = overflow ? Self.maxRetryDelay : min(scaled, Self.maxRetryDelay)
            nextRetryKey += 1
            pendingRetries[nextRetryKey] = TickClaim(jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt + 1)
            wheel.schedule(Timer(kind: .retry, id: nextRetryKey), at: now + delay)
        } else if !definition.repeats && status != .cancelled {
            runStore.markDone(jobID: claim.jobID)
            remove(jobID: claim.jobID)
        }
    }
}

extension FiringPipeline: WorkerPoolDelegate {
    public func runStarted(runID: Int64, workerPID: Int32, at: Int64) { started(runID: runID, pid: workerPID, at: at) }
    public func runFinished(_ result: WorkerMessage.RunResult) { finished(result) }
    public func runsLost(_ requests: [WorkerMessage.RunRequest]) { lost(requests) }
    public func workerReady() { drainBacklog() }
}
