// FireTimes.lastTicks against a brute-force walk over every tick: intervals, cron (bursty
// and sparse), zones, gaps of seconds to weeks, counts 1 to 100, and the edges (no gap, a
// reference after now, a job whose ticks ran out).

@testable import Server
import XCTest

final class FireTimesLastTicksTests: XCTestCase {
    private let now: Int64 = 1_767_225_600_123  // 2026-01-01T00:00:00.123Z

    private func bruteForce(_ times: FireTimes, _ count: Int, after reference: Int64, atOrBefore now: Int64) -> [Int64] {
        var all: [Int64] = []
        var tick = times.next(after: reference)
        while let due = tick, due <= now {
            all.append(due)
            tick = times.next(after: due)
        }
        return Array(all.suffix(count))
    }

    func testMatchesTheWalkOverEveryTick() throws {
        let frequencies = ["100", "1000", "7s", "1h30m", "*/5 * * * * *", "0-59 0 * * * *", "0 3 * * MON", "@daily", "0 9 29 2 *"]
        let gaps: [Int64] = [0, 50, 1_000, 61_000, 3_600_000, 86_400_000, 8 * 86_400_000]
        for frequency in frequencies {
            for zone in ["UTC", "Europe/Paris"] {
                let times = try FireTimes(schedule: Schedule.parse(frequency), start: now - 10 * 86_400_000 - 777, repeats: true,
                                          zone: ZoneRules.named(zone))
                // Sub-second ticks over a week would make the brute force itself slow.
                for gap in gaps where frequency != "100" || gap <= 3_600_000 {
                    let expected = bruteForce(times, 100, after: now - gap, atOrBefore: now)
                    for count in [1, 3, 100] {
                        XCTAssertEqual(times.lastTicks(count, after: now - gap, atOrBefore: now), Array(expected.suffix(count)),
                                       "\(frequency) in \(zone), gap \(gap) ms, count \(count)")
                    }
                }
            }
        }
    }

    func testABurstyScheduleBeyondTheScanBoundStillGivesTheLatestTicks() throws {
        // Every second of the 1st to the 5th of each month; last run on the 1st, now the 20th.
        let times = try FireTimes(schedule: Schedule.parse("* * * 1-5 * *"), start: 0, repeats: true)
        let first = try RFC3339.parse("2026-03-01T12:00:00Z")
        let twentieth = try RFC3339.parse("2026-03-20T12:00:00Z")
        let lastOfTheFifth = try RFC3339.parse("2026-03-05T23:59:59Z")
        XCTAssertEqual(times.lastTicks(1, after: first, atOrBefore: twentieth, maxScan: 1_000), [lastOfTheFifth])
        XCTAssertEqual(times.lastTicks(3, after: first, atOrBefore: twentieth, maxScan: 1_000),
                       [lastOfTheFifth - 2_000, lastOfTheFifth - 1_000, lastOfTheFifth])
        XCTAssertEqual(times.lastTicks(3, after: first, atOrBefore: twentieth), bruteForce(times, 3, after: first, atOrBefore: twentieth))
    }

    func testEdges() throws {
        let times = try FireTimes(schedule: Schedule.parse("1000"), start: now - 10_000, repeats: true)
        XCTAssertEqual(times.lastTicks(0, after: now - 5_000, atOrBefore: now), [])
        XCTAssertEqual(times.lastTicks(1, after: now, atOrBefore: now), [])
        XCTAssertEqual(times.lastTicks(1, after: now + 1, atOrBefore: now), [])
        XCTAssertEqual(times.lastTicks(2, after: now - 2_500, atOrBefore: now), [now - 1_000, now])
        let once = try FireTimes(schedule: Schedule.parse("1000"), start: now - 10_000, repeats: false)
        XCTAssertEqual(once.lastTicks(5, after: now - 86_400_000, atOrBefore: now), [now - 9_000], "a job whose ticks ran out")
    }

    func testTheScanIsBounded() throws {
        let times = try FireTimes(schedule: Schedule.parse("1"), start: 0, repeats: true)
        XCTAssertEqual(times.lastTicks(100, after: 0, atOrBefore: now, maxScan: 1_000), Array((now - 99)...now))
        XCTAssertEqual(times.lastTicks(1, after: 0, atOrBefore: now), [now], "a year-long gap of 1 ms ticks costs a few evaluations")
    }
}
