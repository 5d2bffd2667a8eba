// FireTimes.lastTicks: the latest ticks of a past stretch, for misfire handling when a job
// arrives on a node (after an outage, a failover, a restart). Walking every tick since the
// job's last recorded one could mean millions of schedule evaluations (a 100 ms job idle for
// a day) on the loop; instead, windows ending at `now` double (1 s, 2 s, 4 s, …) until one
// holds `count` ticks or reaches back to `reference`. A periodic schedule then costs about
// log2(gap / 1 s) + 2·count evaluations.
//
// Example: a 1 s job last run 86,400 s ago, count 1: the 1 s window (now-1 s, now] holds the
// tick at now-0.4 s → done after two evaluations, not 86,400.
import Collections

extension FireTimes {
    /// The last `count` ticks in (`reference`, `now`], oldest first; at most `maxScan` ticks
    /// are evaluated in all.
    func lastTicks(_ count: Int, after reference: Int64, atOrBefore now: Int64, maxScan: Int = 100_000) -> [Int64] {
        guard count > 0, now > reference else { return [] }
        var window: Int64 = 1_000
        var scanned = 0
        while true {
            let from = now - window > reference ? now - window : reference
            var ticks = Deque<Int64>()
            var tick = next(after: from)
            while let due = tick, due <= now, scanned < maxScan {
                scanned += 1
                ticks.append(due)
                if ticks.count > count { ticks.removeFirst() }
                tick = next(after: due)
            }
            if ticks.count >= count || from == reference || scanned >= maxScan {
                return Array(ticks)
            }
            let (doubled, overflow) = window.multipliedReportingOverflow(by: 2)
            window = overflow ? Int64.max : doubled
        }
    }
}
