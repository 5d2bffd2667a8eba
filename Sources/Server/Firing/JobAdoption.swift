// JobAdoption: which jobs this node owns, and keeping the job book in step with their rows.
//
// The ownership source (the cluster) says own/disown/refresh. An owned job is loaded at once
// — its row and its last recorded tick, in batches of `adoptBatch`; a row this node's API
// created moments ago comes from the RecentJobsCache without a read — and placed in the
// JobBook, whose missed ticks (misfire) go to the RunDispatcher. Owned jobs are then re-read
// every `reloadInterval` when changed (versions first, then only the changed rows; every
// `fullReloadEvery`-th reload compares all versions, which is how deletions made elsewhere
// are seen), and at once when a change is heard. Each reload asks from the change mark the
// last one returned, so a change that commits late (a long transaction) is read by the first
// reload after its commit, not only by the next full one. The retries recorded for adopted
// jobs are read with each batch and timed by the dispatcher; a disowned job's are dropped here
// (they stay in the store for its next owner). (The runs a previous process with this node's
// id left unfinished are recorded lost before the firing layer starts: NodeLease.)
import EventLoop
import Logging

/// JobAdoption loads owned jobs into the book and keeps them current.
final class JobAdoption: OwnershipDelegate {
    struct Configuration: Sendable {
        /// Seconds between reloads of changed rows.
        var reloadInterval = 2.0
        /// Seconds between attempts to load adopted jobs while the store fails.
        var storeRetryInterval = 0.5
    }

    static let fullReloadEvery = 15
    /// Jobs loaded per query when this node adopts many at once.
    static let adoptBatch = 1_000

    private let reactor: Reactor
    private let configuration: Configuration
    private let jobStore: RecentJobsCache
    private let runStore: RunStore
    private let book: JobBook
    private let dispatcher: RunDispatcher
    private let ownership: Ownership
    private let logger: Logger
    private var reloadTimer: TimerWatcher!
    private var storeRetryTimer: TimerWatcher!

    private(set) var owned = Set<Int64>()
    /// Owned jobs not loaded yet, and whether a load is in flight.
    private var adopting = Set<Int64>()
    private var adoptInFlight = false
    /// Jobs changed while being adopted (the load may have read the old row): re-read after.
    private var changedWhileAdopting = Set<Int64>()
    private var reloading = false
    private var reloads = 0
    /// The change mark the last reload returned: where the next one starts.
    private var changedSince: UInt64?
    private var stopping = false

    init(reactor: Reactor, configuration: Configuration, jobStore: RecentJobsCache, runStore: RunStore, book: JobBook,
         dispatcher: RunDispatcher, ownership: Ownership, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.jobStore = jobStore
        self.runStore = runStore
        self.book = book
        self.dispatcher = dispatcher
        self.ownership = ownership
        self.logger = logger
        reloadTimer = TimerWatcher(reactor: reactor) { [unowned self] in reload() }
        storeRetryTimer = TimerWatcher(reactor: reactor) { [unowned self] in adopt() }
    }

    func start() {
        reloadTimer.start(after: configuration.reloadInterval, every: configuration.reloadInterval)
    }

    func stop() {
        stopping = true
        reloadTimer.stop()
        storeRetryTimer.stop()
    }

    // MARK: - OwnershipDelegate

    var scheduledCount: Int { book.scheduledCount }

    func isLoaded(_ jobID: Int64) -> Bool {
        owned.contains(jobID) && !adopting.contains(jobID)
    }

    func own(_ ids: [Int64]) {
        for id in ids where owned.insert(id).inserted {
            adopting.insert(id)
        }
        adopt()
    }

    func disown(_ ids: [Int64]) {
        for id in ids {
            owned.remove(id)
            adopting.remove(id)
            book.remove(id)
        }
        // Their retries are in the store, where the next owner reads them.
        dispatcher.dropRetries(of: Set(ids))
    }

    func deleted(_ ids: [Int64]) {
        disown(ids)
        ids.forEach { dispatcher.cancelJob($0, reason: "the job was deleted") }
    }

    func cancelRuns(_ runIDs: [Int64]) {
        dispatcher.cancel(runIDs: runIDs, reason: "cancelled through the API")
    }

    func changed(_ job: Job) {
        if job.definition.paused && !owned.contains(job.id) {
            // Runs of a job this node does not own (run-nows it served) stop too.
            dispatcher.cancelJob(job.id, reason: "the job was paused")
        }
        if adopting.contains(job.id) {
            changedWhileAdopting.insert(job.id)
            return
        }
        guard owned.contains(job.id) else { return }
        place(job, lastTick: nil)
    }

    func refresh(_ ids: [Int64]) {
        jobStore.forget(ids)
        ids.filter(adopting.contains).forEach { changedWhileAdopting.insert($0) }
        let mine = ids.filter { (owned.contains($0) && !adopting.contains($0)) || dispatcher.hasRuns(of: $0) }
        guard !mine.isEmpty else { return }
        jobStore.fetch(ids: mine) { [self] outcome in
            if case .success(let jobs) = outcome {
                jobs.forEach(changed)
            }
        }
    }

    // MARK: - Adoption

    private func adopt() {
        guard !adoptInFlight, !stopping, !adopting.isEmpty else { return }
        // A job this node created moments ago has no recorded tick (and if another node did
        // fire it meanwhile, the job_run insert turns any tick fired again into a no-op).
        for job in jobStore.take(adopting) {
            adopting.remove(job.id)
            if book.version(of: job.id) == nil {
                place(job, lastTick: nil)
                ownership.jobAdopted(job.id)
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
            guard case .success(let jobs) = outcome else {
                if case .failure(let error) = outcome { retry(error) }
                return
            }
            runStore.lastTicks(jobIDs: jobs.map(\.id)) { [self] outcome in
                guard case .success(let ticks) = outcome else {
                    if case .failure(let error) = outcome { retry(error) }
                    return
                }
                adoptInFlight = false
                // A job missing from the answer was deleted meanwhile: it stays owned
                // (weightless) until the cluster forgets it.
                batch.forEach { adopting.remove($0) }
                for job in jobs where owned.contains(job.id) && book.version(of: job.id) == nil {
                    place(job, lastTick: ticks[job.id])
                    ownership.jobAdopted(job.id)
                }
                let stale = changedWhileAdopting.filter { !adopting.contains($0) }
                changedWhileAdopting.subtract(stale)
                refresh(Array(stale))
                logger.info("jobs adopted", metadata: ["jobs": "\(jobs.count)", "scheduled": "\(book.scheduledCount)"])
                takeRetries(of: jobs.map(\.id))
                adopt()
            }
        }
    }

    /// The retries recorded for adopted jobs (decided by their previous owner, or by the lease
    /// sweep for a dead node's runs) are timed here. Should the read fail, RetryPoll still
    /// finds each before it is due.
    private func takeRetries(of jobIDs: [Int64]) {
        runStore.retries(jobIDs: jobIDs) { [self] outcome in
            switch outcome {
            case .success(let retries):
                if !retries.isEmpty {
                    logger.info("retries of adopted jobs taken", metadata: ["retries": "\(retries.count)"])
                }
                dispatcher.takeStoredRetries(retries.filter { owned.contains($0.claim.jobID) })
            case .failure(let error):
                logger.warning("retries of adopted jobs not read; the poll takes them", metadata: ["jobs": "\(jobIDs.count)", "error": "\(error)"])
            }
        }
    }

    /// Places a row in the book and fires the ticks it missed (misfire policy).
    private func place(_ job: Job, lastTick: Int64?) {
        apply(book.place(job, lastTick: lastTick), to: job, skipReason: "misfire: skip: the one-shot's tick had passed when a node took the job")
    }

    /// Firing resumes after the cluster's clock stood still (ClockSync): the ticks that came
    /// due meanwhile follow each job's misfire policy.
    func catchUp() {
        for (job, placement) in book.catchUp() {
            apply(placement, to: job, skipReason: "misfire: skip: the one-shot's tick passed while the node's firing was stopped for its clock")
        }
    }

    /// Fires a placement's missed ticks, records its skipped ones, and finishes a job left
    /// without ticks.
    private func apply(_ placement: JobBook.Placement, to job: Job, skipReason: String) {
        switch placement {
        case .scheduled(let missed):
            missed.forEach { dispatcher.fire(jobID: job.id, tick: $0, attempt: 1, misfire: true) }
        case .exhausted(let missed, let skipped):
            skipped.forEach { dispatcher.skip(jobID: job.id, tick: $0, reason: skipReason) }
            guard missed.isEmpty else {
                // A one-shot's run marks it done when it ends (RunDispatcher).
                return missed.forEach { dispatcher.fire(jobID: job.id, tick: $0, attempt: 1, misfire: true) }
            }
            logger.info("job has no tick left: done", metadata: ["job_id": "\(job.id)", "skipped": "\(skipped.count)"])
            dispatcher.finish(jobID: job.id)
        case .unscheduled where job.definition.paused:
            dispatcher.cancelJob(job.id, reason: "the job was paused")
        case .unchanged, .unscheduled:
            break
        }
    }

    // MARK: - Reloads

    private func reload() {
        guard !reloading, !owned.isEmpty else { return }
        reloading = true
        reloads += 1
        let full = changedSince == nil || reloads % Self.fullReloadEvery == 0
        // Jobs this node learns of while the query runs are not in its answer: only those
        // known before it was sent can be judged deleted.
        let knownBefore = full ? book.knownIDs : []
        let loading = adopting
        jobStore.versions(changedSince: full ? nil : changedSince) { [self] outcome in
            guard case .success(let answer) = outcome else {
                reloading = false
                return
            }
            let nextSince = answer.next
            for id in knownBefore where answer.versions[id] == nil {
                book.remove(id)
                dispatcher.cancelJob(id, reason: "the job was deleted")
            }
            let changed = answer.versions.filter {
                owned.contains($0.key) && !adopting.contains($0.key) && !loading.contains($0.key)
                    && book.version(of: $0.key) != $0.value
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
                    jobs.filter { owned.contains($0.id) && !adopting.contains($0.id) }.forEach { place($0, lastTick: nil) }
                    logger.info("jobs loaded", metadata: ["changed": "\(jobs.count)", "scheduled": "\(book.scheduledCount)"])
                }
            }
        }
    }
}
