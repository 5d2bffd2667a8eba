// JobWeight: how much of a node one job takes, so that the leader can spread work rather than
// job counts (one job firing every 100 ms costs more than a thousand daily ones). A job's
// weight is its expected busy seconds per second: how often it fires times what one firing
// costs, a fixed overhead plus the job's observed mean run time once known.

/// JobWeight estimates a job's load from its schedule and run history.
enum JobWeight {
    /// The weight of a job that will not fire (paused, done, no more ticks) and the least any
    /// job weighs: every owned job still counts a little (its timer, its row, its reloads).
    static let idle = 1e-6
    /// Seconds one firing costs besides the script: claiming the tick, dispatch, recording.
    static let perFireOverheadSeconds = 0.010
    /// Ticks looked at. This bounds the work per job to this many `next(after:)` calls, so
    /// the look-ahead horizon is 32 ticks: 6.4 s for a 200 ms interval, 32 years for a yearly
    /// cron job, and the estimate is within 1/32 of the true rate of any periodic schedule.
    static let maximumTicks = 32
    /// A job whose ticks run out before `maximumTicks` (one that does not repeat, or ends
    /// within the representable range) has its remaining ticks spread over at least this many
    /// seconds; otherwise a one-off job due in a few milliseconds would weigh several cores.
    static let finiteSpanFloorSeconds = 60.0

    /// The expected busy seconds per second of a job at `now` (epoch milliseconds).
    ///
    /// The fire rate counts the next ticks after `now`, up to `maximumTicks`: for a job that
    /// keeps firing, the intervals between them over the seconds they span (so a job that
    /// starts next week weighs what it will weigh then); for one whose ticks run out, the
    /// ticks over the seconds from `now` to the last (at least `finiteSpanFloorSeconds`). Each
    /// fire costs `perFireOverheadSeconds` plus
    /// `meanRunMilliseconds` when known (a negative or NaN mean counts as unknown). A job
    /// without ticks, paused or done, or without fire times, weighs `idle`; no job weighs
    /// less.
    static func weight(
        times: FireTimes?, paused: Bool, done: Bool, now: Int64, meanRunMilliseconds: Double?
    ) -> Double {
        guard let times, !paused, !done else { return idle }
        return weight(fireRate: fireRate(times, now: now), meanRunMilliseconds: meanRunMilliseconds)
    }

    /// A job's weight from its row alone (no run time known yet): what a new job is announced
    /// with, and what reconciliation submits.
    static func weight(of job: Job, now: Int64) -> Double {
        fireRate(of: job, now: now).map { weight(fireRate: $0, meanRunMilliseconds: nil) } ?? idle
    }

    /// A job's fire rate (see below), nil when it does not fire (paused, done, no valid
    /// schedule): the one place a job's rate is derived from its row.
    static func fireRate(of job: Job, now: Int64) -> Double? {
        guard !job.definition.paused, !job.done, let times = try? job.definition.fireTimes() else { return nil }
        return fireRate(times, now: now)
    }

    /// Fires per second (see `weight`); 0 when the job has no tick left. The costly part (up to
    /// `maximumTicks` schedule evaluations): owners compute it once per job definition.
    static func fireRate(_ times: FireTimes, now: Int64) -> Double {
        // A repeating interval fires exactly once per period: no need to walk its ticks.
        if case .interval(let period) = times.schedule, times.repeats, period > 0 {
            return times.next(after: now) == nil ? 0 : 1000 / Double(period)
        }
        var count = 0
        var first: Int64?
        var last = now
        while count < maximumTicks, let tick = times.next(after: last), tick > last {
            count += 1
            first = first ?? tick
            last = tick
        }
        guard count > 0, let first else { return 0 }
        if count == maximumTicks {
            // No Int64 overflow for odd inputs: the span is computed in Double.
            return Double(count - 1) / ((Double(last) - Double(first)) / 1000)
        }
        return Double(count) / max((Double(last) - Double(now)) / 1000, finiteSpanFloorSeconds)
    }

    /// A fire rate times what one fire costs; never less than `idle`.
    static func weight(fireRate: Double, meanRunMilliseconds: Double?) -> Double {
        var runSeconds = 0.0
        if let meanRunMilliseconds, meanRunMilliseconds > 0, meanRunMilliseconds.isFinite {
            runSeconds = meanRunMilliseconds / 1000
        }
        let weight = fireRate * (perFireOverheadSeconds + runSeconds)
        return weight.isFinite ? max(weight, idle) : idle
    }
}
