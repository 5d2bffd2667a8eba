// JobBook: the jobs this node fires — each one's FireTimes and the wheel timer of its next
// tick — and the rule for ticks missed while no node held a job (misfire). Pure: it reads an
// injected clock and arms timers on an injected `TickTimers`, so it is tested without a
// reactor, a store or a cluster.
//
// The firing layer's flow, of which this is the first step:
//
//     own(ids) ─► JobAdoption ─ row + last tick ─► JobBook.place ─► missed ticks (misfire)
//                                                      │ wheel timer
//     wheel expiry ─► JobBook.tickExpired (re-arms) ───┴──────────► RunDispatcher.fire
//                      ─► claim (job_run insert) ─► won ticks ─► WorkerPool ─► result recorded
//
// Worked example: a 60 s interval job created at 10:00:00 whose last recorded tick is
// 10:03:00 arrives at 10:07:30 (its node died). Ticks 10:04 … 10:07 were missed: `run_once`
// hands back [10:07:00] (the latest, once), `run_all` all four (at most `maxMisfireRuns`,
// oldest dropped), `skip` none; in every case the wheel is armed for 10:08:00. A job seen
// before (an edit, a resume) starts from now: its earlier ticks were the old schedule's.
//
// The clock is the cluster's (ClockSync): it stands still while the node cannot tell the
// time well enough, so nothing comes due. When it moves on, `catchUp` treats the ticks that
// came due meanwhile as missed, under each job's misfire policy, as after a failover.

/// JobBook holds the scheduled jobs of one node and hands out the ticks to claim.
final class JobBook {
    struct Configuration: Sendable {
        /// Missed ticks handed back at most for `misfire: run_all`; older ones are dropped.
        var maxMisfireRuns = 100
        /// Schedule evaluations spent walking one arriving job's missed ticks before bisection
        /// takes over (see FireTimes.lastTicks): bounds the work an adoption does on the loop.
        var maxMisfireScan = 10_000
    }

    /// A scheduled job. A class, so that the table of 100,000s of them holds pointers: a
    /// growing dictionary then moves 16-byte slots, not whole job rows (which showed up as
    /// pauses of tens of milliseconds under heavy submission).
    private final class Entry {
        let job: Job
        let times: FireTimes
        var timer: TimerHandle?
        /// The tick the timer is armed for.
        var next: Int64?

        init(job: Job, times: FireTimes) {
            self.job = job
            self.times = times
        }
    }

    /// What `place` did with a job.
    enum Placement: Equatable {
        /// The book already held this version (or a newer one): nothing changed.
        case unchanged
        /// In the wheel; `missed` are the ticks to fire now, oldest first (misfire policy).
        case scheduled(missed: [Int64])
        /// No tick is left after `missed`: the job is done once they ran (at once when there
        /// are none). `skipped`: the passed tick of a one-shot under `misfire: skip`, to record
        /// as skipped, so that a one-shot is never left undone.
        case exhausted(missed: [Int64], skipped: [Int64])
        /// Known but not fired: paused, done, or without a valid schedule.
        case unscheduled
    }

    private let timers: TickTimers
    private let clock: () -> Int64
    private let configuration: Configuration
    private var entries: [Int64: Entry] = [:]
    /// Versions of jobs known but not in the wheel (paused, done): spares re-reading them;
    /// and whether each is paused (else done, or without a valid schedule).
    private var unscheduled: [Int64: (version: Int, paused: Bool)] = [:]

    /// Told when a job enters the wheel with fire times, and when it leaves it.
    var onScheduled: (Job, FireTimes) -> Void = { _, _ in }
    var onUnscheduled: (Int64) -> Void = { _ in }
    /// Told when an arriving job missed more ticks than its misfire policy runs (any, under
    /// `skip`): how many were dropped, and whether that count is exact (else at least that many).
    var onMisfireDropped: (_ job: Job, _ dropped: Int, _ exact: Bool) -> Void = { _, _, _ in }

    /// `clock`: the cluster's wall clock, epoch ms.
    init(timers: TickTimers, clock: @escaping () -> Int64, configuration: Configuration = .init()) {
        self.timers = timers
        self.clock = clock
        self.configuration = configuration
    }

    /// Jobs in the wheel.
    var scheduledCount: Int { entries.count }

    /// Jobs known but not in the wheel that are paused, and the rest of them (done, or
    /// without a valid schedule). O(jobs known): for a scrape, not a tick.
    var idleCounts: (paused: Int, done: Int) {
        let paused = unscheduled.values.reduce(0) { $0 + ($1.paused ? 1 : 0) }
        return (paused, unscheduled.count - paused)
    }

    /// The clock the book reads (the cluster's), epoch ms.
    var now: Int64 { clock() }

    /// The ids of every job the book knows, scheduled or not.
    var knownIDs: Set<Int64> { Set(entries.keys).union(unscheduled.keys) }

    /// The version the book holds of a job, scheduled or not; nil when unknown.
    func version(of id: Int64) -> Int? {
        entries[id]?.job.version ?? unscheduled[id]?.version
    }

    /// A scheduled job's row.
    func job(_ id: Int64) -> Job? {
        entries[id]?.job
    }

    /// Takes a job version into the book. `arriving`: the job comes to this node (adoption),
    /// with `lastTick` its last recorded tick (nil: none, or a job created moments ago); ticks
    /// after it that are already past follow the misfire policy. A job the book knew before
    /// (an edit, a pause, a resume) starts from now.
    func place(_ job: Job, lastTick: Int64?) -> Placement {
        let previous = entries[job.id]
        let seenBefore = previous != nil || unscheduled[job.id] != nil
        if let known = version(of: job.id), known >= job.version { return .unchanged }
        if let timer = previous?.timer {
            timers.cancel(timer)
        }
        guard !job.definition.paused, !job.done, let times = try? job.definition.fireTimes() else {
            if entries.removeValue(forKey: job.id) != nil { onUnscheduled(job.id) }
            unscheduled[job.id] = (job.version, job.definition.paused && !job.done)
            return .unscheduled
        }
        unscheduled[job.id] = nil
        let now = clock()
        let entry = Entry(job: job, times: times)
        entries[job.id] = entry
        onScheduled(job, times)
        // A repeating job seen before (an edit, a resume) starts from now: its earlier ticks
        // were the old schedule's. A one-shot's only tick counts whenever it lies, edited or not
        // (its run, if it already had one, holds the tick's row: it cannot run twice).
        if seenBefore && times.repeats {
            return arm(entry, after: now) ? .scheduled(missed: []) : .exhausted(missed: [], skipped: [])
        }
        // First sight of this job: ticks after its last recorded one (or its creation) that
        // are already past were missed. A one-shot's only tick counts whenever it lies (a
        // startdate of now or in the past means "run once, now").
        let reference = lastTick ?? (times.repeats ? max(job.createdAt - 1, times.start - 1) : times.start - 1)
        return arrive(entry, reference: reference, now: now)
    }

    /// The clock moved on after standing still: every job whose armed tick is now past is
    /// placed as if it arrived with its last tick just before that one, so the ticks that came
    /// due meanwhile follow its misfire policy. Returns those jobs and their placements, by id.
    func catchUp() -> [(job: Job, placement: Placement)] {
        let now = clock()
        let late = entries.values.filter { $0.next.map { $0 <= now } ?? false }.sorted { $0.job.id < $1.job.id }
        return late.map { entry in
            if let timer = entry.timer {
                timers.cancel(timer)
            }
            return (entry.job, arrive(entry, reference: entry.next! - 1, now: now))
        }
    }

    /// Places a job whose ticks after `reference` up to `now` were missed (misfire policy).
    private func arrive(_ entry: Entry, reference: Int64, now: Int64) -> Placement {
        let job = entry.job
        let times = entry.times
        let kept: Int
        switch job.definition.misfire {
        case .runOnce: kept = 1
        case .runAll: kept = configuration.maxMisfireRuns
        case .skip: kept = 0
        }
        let missed = times.lastTicks(kept, after: reference, atOrBefore: now, maxScan: configuration.maxMisfireScan)
        // Ticks before the oldest handed back (all of the stretch's, under `skip`) are dropped:
        // no row will name them, so the tick audit shows them missed. A one-shot's dropped
        // tick is recorded skipped instead (below), so it is not counted.
        if times.repeats || kept > 0, missed.count == kept {
            let (dropped, exact) = times.tickCount(after: reference, atOrBefore: (missed.first ?? now + 1) - 1,
                                                   limit: configuration.maxMisfireScan)
            if dropped > 0 { onMisfireDropped(job, dropped, exact) }
        }
        if arm(entry, after: max(reference, now)) {
            return .scheduled(missed: missed)
        }
        let skipped = times.repeats || kept > 0 ? [] : times.lastTicks(1, after: reference, atOrBefore: now, maxScan: configuration.maxMisfireScan)
        return .exhausted(missed: missed, skipped: skipped)
    }

    /// Drops a job (moved away, deleted, done); a no-op for an unknown one.
    func remove(_ id: Int64) {
        unscheduled[id] = nil
        guard let entry = entries.removeValue(forKey: id) else { return }
        if let timer = entry.timer {
            timers.cancel(timer)
        }
        onUnscheduled(id)
    }

    /// A job with no tick left leaves the wheel but stays known, as done (dsched_jobs{state=
    /// "done"}); its version stays, so a reload of the same version changes nothing.
    func finish(_ id: Int64) {
        guard let version = version(of: id) else { return }
        remove(id)
        unscheduled[id] = (version, false)
    }

    /// A tick timer expired at `deadline`: arms the job's next tick and returns the job to
    /// fire, or nil when the job left the book meanwhile.
    func tickExpired(jobID: Int64, at deadline: Int64) -> Job? {
        guard let entry = entries[jobID] else { return nil }
        arm(entry, after: deadline)
        return entry.job
    }

    /// Arms the job's next tick after `instant`; false when it has none left.
    @discardableResult
    private func arm(_ entry: Entry, after instant: Int64) -> Bool {
        entry.next = entry.times.next(after: instant)
        entry.timer = entry.next.map { timers.schedule(FiringTimer(kind: .tick, id: entry.job.id), at: $0) }
        return entry.timer != nil
    }
}
