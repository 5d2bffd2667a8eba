// TickAudit: which ticks of a job's schedule ran, and how (issue 13, item 5). The ticks are
// computed from the job's current definition (FireTimes), never stored; each is joined with the
// job_run rows of its instant, whose latest attempt decides its outcome. A past tick without a
// row is `missed`: no node claimed it (the cluster was down, or the job's misfire policy let
// it go). Not listed:
//   - ticks before the job existed: at or before max(created_at − 1 ms, startdate − 1 ms) for a
//     repeating job, startdate − 1 ms for a one-shot (JobBook.place's rule: a node never fires
//     them);
//   - ticks at or before the job's prune horizon (retention removed runs up to it: a pruned
//     run and no run look alike);
//   - while the job is paused, ticks after its last change (updated_at, when it was paused if
//     nothing changed since). Pause history is not stored: ticks that fell in an earlier
//     pause, or before an edit of the schedule, show as `missed`.
// A tick less than `grace` (5 s) old without a row is `pending` (due, its claim may be on its
// way), one after now `future`.
struct TickAudit {
    enum Outcome: String, CaseIterable, Sendable {
        case succeeded, failed
        case timedOut = "timed_out"
        case lost, cancelled, skipped, running, pending, missed, future
    }

    /// A job_run row as the audit needs it; `reason` (skipped rows) is its output's first word.
    struct Row: Equatable {
        var tick: Int64
        var attempt: Int
        var runID: Int64
        var status: Run.Status
        var reason: String?
    }

    struct Tick: Equatable {
        var at: Int64
        var outcome: Outcome
        /// The tick's latest attempt, and how many rows the tick has (nil without a row).
        var runID: Int64?
        var attempts: Int?
        var reason: String?
    }

    /// Milliseconds a tick may be late before its missing row counts as missed.
    static let grace: Int64 = 5_000

    let times: FireTimes
    /// Ticks at or before this instant are not listed (creation, prune horizon), epoch ms.
    let listedAfter: Int64
    /// Ticks after this instant are not listed (the job is paused since), epoch ms.
    let listedThrough: Int64

    init(times: FireTimes, createdAt: Int64, pausedSince: Int64?, prunedThrough: Int64?) {
        self.times = times
        let created = times.repeats ? max(createdAt - 1, times.start - 1) : times.start - 1
        listedAfter = max(created, prunedThrough ?? .min)
        listedThrough = pausedSince ?? FireTimes.lastInstant
    }

    /// The ticks in [`from`, `to`], at most `limit`, and the first tick not listed (nil: none).
    func ticks(from: Int64, to: Int64, limit: Int) -> (ticks: [Int64], nextFrom: Int64?) {
        let upper = min(to, listedThrough)
        var ticks: [Int64] = []
        var tick = times.next(after: max(from - 1, listedAfter))
        while let due = tick, due <= upper {
            if ticks.count == limit { return (ticks, due) }
            ticks.append(due)
            tick = times.next(after: due)
        }
        return (ticks, nil)
    }

    /// Each tick with its outcome; `rows` in any order (rows of other instants, such as
    /// run-nows, are ignored).
    static func outcomes(of ticks: [Int64], rows: [Row], now: Int64) -> [Tick] {
        var byTick: [Int64: (latest: Row, count: Int)] = [:]
        for row in rows {
            if let seen = byTick[row.tick] {
                byTick[row.tick] = (row.attempt > seen.latest.attempt ? row : seen.latest, seen.count + 1)
            } else {
                byTick[row.tick] = (row, 1)
            }
        }
        return ticks.map { at in
            guard let (row, count) = byTick[at] else {
                let outcome: Outcome = at > now ? .future : at > now - grace ? .pending : .missed
                return Tick(at: at, outcome: outcome)
            }
            let outcome = Outcome(rawValue: row.status.rawValue) ?? .pending
            return Tick(at: at, outcome: outcome, runID: row.runID, attempts: count, reason: outcome == .skipped ? row.reason : nil)
        }
    }

    /// How many ticks have each outcome, in `Outcome` order; outcomes absent are left out.
    static func counts(_ ticks: [Tick]) -> [(Outcome, Int)] {
        var counts: [Outcome: Int] = [:]
        ticks.forEach { counts[$0.outcome, default: 0] += 1 }
        return Outcome.allCases.compactMap { outcome in counts[outcome].map { (outcome, $0) } }
    }

    /// The missed ticks in [`from`, `now` − grace]: the ticks listed there less those with a
    /// row (`rowTicks`: the distinct instants of the job's rows in that stretch). An interval
    /// schedule counts its ticks by arithmetic; a cron one walks them (at most `maxWalk`, so at
    /// most that many are counted). This is the figure of `missed_ticks_24h`, and what a
    /// metric of missed ticks can call.
    func missedCount(from: Int64, now: Int64, rowTicks: Set<Int64>, maxWalk: Int = 100_000) -> Int {
        let lower = max(from - 1, listedAfter)
        let upper = min(now - Self.grace, listedThrough)
        guard upper > lower else { return 0 }
        let (count, _) = times.tickCount(after: lower, atOrBefore: upper, limit: maxWalk)
        let ran = rowTicks.filter { $0 > lower && $0 <= upper && times.next(after: $0 - 1) == $0 }.count
        return max(count - ran, 0)
    }
}
