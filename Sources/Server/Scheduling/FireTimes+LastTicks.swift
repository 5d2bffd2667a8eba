// FireTimes.lastTicks: the latest ticks of a past stretch, for misfire handling when a job
// arrives on a node (after an outage, a failover, a restart). Walking every tick since the
// job's last recorded one could mean millions of schedule evaluations (a 100 ms job idle for
// a day) on the loop; instead, windows ending at `now` double (1 s, 2 s, 4 s, …) until one
// holds `count` ticks or reaches back to `reference`. A periodic schedule then costs about
// log2(gap / 1 s) + 2·count evaluations. A bursty one (a cron firing every second of a few
// days a month) can pack far more ticks into the last window than it holds back: past
// `maxScan` evaluations the latest ticks are found by bisection instead, about 45
// evaluations each.
//
// Example: a 1 s job last run 86,400 s ago, count 1: the 1 s window (now-1 s, now] holds the
// tick at now-0.4 s → done after two evaluations, not 86,400.
import Collections

extension FireTimes {
    /// The last `count` ticks in (`reference`, `now`], oldest first.
    func lastTicks(_ count: Int, after reference: Int64, atOrBefore now: Int64, maxScan: Int = 100_000) -> [Int64] {
        guard count > 0, now > reference else { return [] }
        var window: Int64 = 1_000
        var scanned = 0
        while true {
            let from = now - window > reference ? now - window : reference
            var ticks = Deque<Int64>()
            var tick = next(after: from)
            while let due = tick, due <= now {
                guard scanned < maxScan else { return bisectedTicks(count, after: reference, atOrBefore: now) }
                scanned += 1
                ticks.append(due)
                if ticks.count > count { ticks.removeFirst() }
                tick = next(after: due)
            }
            if ticks.count >= count || from == reference {
                return Array(ticks)
            }
            let (doubled, overflow) = window.multipliedReportingOverflow(by: 2)
            window = overflow ? Int64.max : doubled
        }
    }

    /// The last `count` ticks in (`reference`, `now`], each found by bisection.
    private func bisectedTicks(_ count: Int, after reference: Int64, atOrBefore now: Int64) -> [Int64] {
        var ticks: [Int64] = []
        var bound = now
        while ticks.count < count, bound > reference, let tick = latestTick(after: reference, atOrBefore: bound) {
            ticks.append(tick)
            bound = tick - 1
        }
        return ticks.reversed()
    }

    /// The latest tick in (`reference`, `bound`]: `low` is always a tick within it, and each
    /// probe either finds a tick at or after the middle of (low, high] or rules that half out.
    private func latestTick(after reference: Int64, atOrBefore bound: Int64) -> Int64? {
        guard var low = next(after: reference), low <= bound else { return nil }
        var high = bound
        while low < high {
            let middle = low + (high - low + 1) / 2
            if let tick = next(after: middle - 1), tick <= high {
                low = tick
            } else {
                high = middle - 1
            }
        }
        return low
    }
}

extension FireTimes {
    /// How many ticks lie in (`reference`, `now`]: exact for a repeating interval (arithmetic),
    /// else counted by walking at most `limit` ticks; `exact` is false when the walk stopped
    /// there (so at least `count` ticks lie in the stretch). Misfire logs what it drops by it.
    func tickCount(after reference: Int64, atOrBefore now: Int64, limit: Int) -> (count: Int, exact: Bool) {
        guard now > reference else { return (0, true) }
        if case .interval(let period) = schedule, repeats, period > 0, reference >= start, now <= Self.lastInstant {
            return (Int((now - start) / period - (reference - start) / period), true)
        }
        var count = 0
        var cursor = reference
        while count < limit, let tick = next(after: cursor), tick <= now {
            count += 1
            cursor = tick
        }
        return (count, count < limit)
    }
}
