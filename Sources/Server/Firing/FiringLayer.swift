// FiringLayer: the node's firing parts, built and wired in one place (DESIGN, Flows 3-4).
//
//     Ownership (cluster) ─own/disown/refresh─► JobAdoption ─► JobBook ─► timing wheel
//     wheel: tick ─► JobBook.tickExpired ─► RunDispatcher.fire ─► RunStore.claim ─► WorkerPool
//            retry ─► RunDispatcher.retryDue
//     RetryPoll (store: retries due, any node's) ─► RunDispatcher.takeStoredRetries ─► wheel
//     WorkerPool ─► RunDispatcher (started, finished, lost) ─► RunStore; run times ─► Ownership
//
// It owns the one ReactorTimingWheel both kinds of timer live in and routes its expiries; the
// parts know nothing of the reactor's wheel (they see `TickTimers`) nor of the cluster (they
// see `Ownership`), so a single-node embedded mode can drive them unchanged.
//
// Every tick is on the cluster's clock (ClockSync: PostgreSQL's, never read ahead of it): the
// wheel, the job book, run-now instants and retry delays read it. Adoption starts with the
// first good estimate of that clock; while firing is stopped for the clock nothing comes due,
// run-nows are refused, and on resuming the ticks that came due follow the misfire policy.
import EventLoop
import Logging

/// FiringLayer keeps this node's owned jobs in the wheel and turns their ticks into runs.
public final class FiringLayer {
    public struct Configuration: Sendable {
        public var nodeID: String
        public var reloadInterval = 2.0
        public var outputLimit = 64 * 1024
        public var maxMisfireRuns = 100
        /// Bound of each of the worker backlog and the store-outage backlog (see RunDispatcher).
        public var maxBacklog = 100_000
        /// Runs of one job waiting for a worker slot; ticks beyond are recorded skipped.
        public var maxWaitingPerJob = 10
        /// Runs of one job on the workers at once (the node builds it from its slots).
        public var maxRunningPerJob = Int.max
        /// Timeout (ms) of runs whose job sets none; nil: none.
        public var maxRunTimeMilliseconds: Int64?
        /// Seconds between attempts while the store fails.
        public var storeRetryInterval = 0.5

        public init(nodeID: String) {
            self.nodeID = nodeID
        }
    }

    private let workers: WorkerPool
    private let clock: ClockSync
    /// Whether adoption started (it waits for the clock), and whether the layer was stopped.
    private var adoptionStarted = false
    private var stopped = false
    // Built in init; optional only because the wheel's callback needs `self` first.
    private var wheel: ReactorTimingWheel<FiringTimer>!
    private var book: JobBook!
    private var dispatcher: RunDispatcher!
    private var adoption: JobAdoption!
    private var retryPoll: RetryPoll!

    /// `metrics`: the node's, which the dispatcher records into and whose job and backlog
    /// gauges this layer's counts feed at each scrape (nil: none).
    public init(reactor: Reactor, configuration: Configuration, clock: ClockSync, jobStore: RecentJobsCache, runStore: RunStore,
                workers: WorkerPool, ownership: Ownership, metrics: NodeMetrics? = nil, logger: Logger) {
        self.workers = workers
        self.clock = clock
        wheel = ReactorTimingWheel(reactor: reactor, clock: { [clock] in clock.now }) { [unowned self] expired in
            self.expired(expired.payload, at: expired.deadline)
        }
        book = JobBook(timers: wheel, clock: { [clock] in clock.now },
                       configuration: .init(maxMisfireRuns: configuration.maxMisfireRuns))
        var dispatching = RunDispatcher.Configuration(nodeID: configuration.nodeID)
        dispatching.outputLimit = configuration.outputLimit
        dispatching.maxBacklog = configuration.maxBacklog
        dispatching.storeRetryInterval = configuration.storeRetryInterval
        dispatching.maxWaitingPerJob = configuration.maxWaitingPerJob
        dispatching.maxRunningPerJob = configuration.maxRunningPerJob
        dispatching.maxRunTimeMilliseconds = configuration.maxRunTimeMilliseconds
        dispatcher = RunDispatcher(reactor: reactor, configuration: dispatching, runStore: runStore, workers: workers,
                                   book: book, timers: wheel, logger: logger)
        var adopting = JobAdoption.Configuration()
        adopting.reloadInterval = configuration.reloadInterval
        adopting.storeRetryInterval = configuration.storeRetryInterval
        adoption = JobAdoption(reactor: reactor, configuration: adopting, jobStore: jobStore, runStore: runStore, book: book,
                               dispatcher: dispatcher, ownership: ownership, logger: logger)
        retryPoll = RetryPoll(reactor: reactor, runStore: runStore, dispatcher: dispatcher, logger: logger)
        if let metrics { measure(into: metrics) }
        dispatcher.cancelElsewhere = { [unowned ownership] runIDs, nodeID in ownership.cancelRuns(runIDs, on: nodeID) }
        book.onScheduled = { [unowned ownership] job, times in ownership.jobScheduled(job, times: times) }
        book.onUnscheduled = { [unowned ownership] id in ownership.jobUnscheduled(id) }
        dispatcher.onRunTime = { [unowned ownership] id, milliseconds in ownership.runTook(jobID: id, milliseconds: milliseconds) }
        ownership.delegate = adoption
        book.onMisfireDropped = { [logger, missedTicks = metrics?.ticksMissed] job, dropped, exact in
            missedTicks?.increment(by: Int64(dropped))
            // Under `skip` dropping is the policy itself, not news worth a line per job.
            guard job.definition.misfire != .skip else { return }
            logger.warning("missed ticks dropped by the misfire policy", metadata: [
                "job_id": "\(job.id)", "misfire": "\(job.definition.misfire.rawValue)",
                "dropped": "\(exact ? "" : "at least ")\(dropped)", "kept": "\(configuration.maxMisfireRuns)"])
        }
        clock.onEvent = { [unowned self] event in clockEvent(event) }
    }

    private func measure(into metrics: NodeMetrics) {
        dispatcher.metrics = metrics.firing
        metrics.sample(.jobs, [("state", "scheduled")]) { [self] in book.scheduledCount }
        metrics.sample(.jobs, [("state", "paused")]) { [self] in book.idleCounts.paused }
        metrics.sample(.jobs, [("state", "done")]) { [self] in book.idleCounts.done }
        metrics.sample(.backlog, [("queue", "workers")]) { [self] in dispatcher.waitingRuns }
        metrics.sample(.backlog, [("queue", "store")]) { [self] in dispatcher.unclaimed.count }
        metrics.sample(.backlog, [("queue", "retries")]) { [self] in dispatcher.pendingRetries }
    }

    /// Starts the workers; jobs are adopted once the cluster's clock is known.
    public func start() {
        workers.start()
        retryPoll.start()
        if clock.state == .synchronised { clockEvent(.firing) }
    }

    /// Stops firing, lets the runs in flight finish and their results reach the store (for at
    /// most `grace` seconds), then stops the workers and calls `completion`.
    public func stop(grace: Double, completion: @escaping () -> Void) {
        stopped = true
        adoption.stop()
        retryPoll.stop()
        dispatcher.stop(grace: grace, completion: completion)
    }

    /// The node lease is fenced: the live runs stop (recorded lost) and nothing is claimed
    /// until `unfence` (RunDispatcher+Fence).
    public func fence() {
        dispatcher.fence()
    }

    public func unfence() {
        dispatcher.unfence()
    }

    /// Whether ticks fire: the cluster's clock is known within --max-clock-skew (ClockSync).
    public var isFiring: Bool { clock.state == .synchronised }

    /// What keeps this node from firing now, for /readyz: `clock` (not known within
    /// --max-clock-skew), `lease` (fenced: its node lease is not renewed).
    public var firingBlockers: [String] { (isFiring ? [] : ["clock"]) + (dispatcher.fenced ? ["lease"] : []) }

    /// Runs waiting for a worker slot on this node.
    public var waitingRuns: Int { dispatcher.waitingRuns }

    /// Runs a job now, outside its schedule (`POST /jobs/{id}/run`).
    public func runNow(_ job: Job, completion: @escaping (Result<Run, StoreError>) -> Void) {
        guard isFiring else {
            return completion(.failure(.unavailable("firing is stopped: this node's offset to PostgreSQL's clock is not known within --max-clock-skew")))
        }
        dispatcher.runNow(job, completion: completion)
    }

    private func clockEvent(_ event: ClockSync.Event) {
        switch event {
        case .firing where !stopped:
            dispatcher.clockStopped = false
            if adoptionStarted {
                adoption.catchUp()
            } else {
                adoptionStarted = true
                adoption.start()
            }
        case .stopped:
            // Ticks held (fence, store) are not claimed either until the clock is known again.
            dispatcher.clockStopped = true
        case .firing, .adjusted:
            break
        }
        wheel.clockChanged()
        if case .firing = event, !stopped { dispatcher.claimWaiting() }
    }

    private func expired(_ timer: FiringTimer, at deadline: Int64) {
        switch timer.kind {
        case .tick:
            guard book.tickExpired(jobID: timer.id, at: deadline) != nil else { return }
            dispatcher.fire(jobID: timer.id, tick: deadline, attempt: 1)
        case .retry:
            dispatcher.retryDue(key: timer.id)
        }
    }
}

