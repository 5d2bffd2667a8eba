// TickAudit: which ticks are listed (creation, prune horizon, pause, the window, the limit),
// and how each is joined with its rows (latest attempt, attempts, skip reasons, missed,
// pending within the grace, future) — interval and cron schedules, across daylight-saving
// changes in London (instants as FireTimesTests checked them against tzdata).
@testable import Server
import XCTest

final class TickAuditTests: XCTestCase {
    private func ms(_ text: String) -> Int64 { try! RFC3339.parse(text) }

    private func audit(_ frequency: String, start: String, zone: String = "UTC", repeats: Bool = true, created: String? = nil,
                       pausedSince: String? = nil, prunedThrough: String? = nil) throws -> TickAudit {
        let times = try FireTimes(schedule: Schedule.parse(frequency), start: ms(start), repeats: repeats, zone: ZoneRules.named(zone))
        return TickAudit(times: times, createdAt: ms(created ?? start), pausedSince: pausedSince.map(ms), prunedThrough: prunedThrough.map(ms))
    }

    private func listed(_ audit: TickAudit, _ from: String, _ to: String, limit: Int = 100) -> [String] {
        audit.ticks(from: ms(from), to: ms(to), limit: limit).ticks.map { RFC3339.format(milliseconds: $0) }
    }

    private func row(_ tick: String, attempt: Int = 1, id: Int64, _ status: Run.Status, reason: String? = nil) -> TickAudit.Row {
        TickAudit.Row(tick: ms(tick), attempt: attempt, runID: id, status: status, reason: reason)
    }

    // MARK: - Listing

    func testAnIntervalWindowListsEveryTickInsideItBothEndsIncluded() throws {
        let a = try audit("1m", start: "2026-11-29T10:00:00Z")
        XCTAssertEqual(listed(a, "2026-11-29T10:01:00Z", "2026-11-29T10:03:00Z"),
                       ["2026-11-29T10:01:00Z", "2026-11-29T10:02:00Z", "2026-11-29T10:03:00Z"])
        XCTAssertEqual(listed(a, "2026-11-29T10:01:00.001Z", "2026-11-29T10:02:59.999Z"), ["2026-11-29T10:02:00Z"])
    }

    func testTicksBeforeTheJobExistedAreNotListed() throws {
        let a = try audit("1m", start: "2026-11-29T10:00:00Z", created: "2026-11-29T10:02:30Z")
        XCTAssertEqual(listed(a, "2026-11-29T09:00:00Z", "2026-11-29T10:04:00Z"), ["2026-11-29T10:03:00Z", "2026-11-29T10:04:00Z"],
                       "a job created at 10:02:30 never had the ticks of 10:01 and 10:02")
        let oneShot = try audit("0", start: "2026-11-29T10:00:00Z", repeats: false, created: "2026-11-29T11:00:00Z")
        XCTAssertEqual(listed(oneShot, "2026-11-29T09:00:00Z", "2026-11-29T12:00:00Z"), ["2026-11-29T10:00:00Z"],
                       "a one-shot created after its start still has its tick (it runs late)")
    }

    func testTicksAtOrBeforeThePruneHorizonAreNotListed() throws {
        let a = try audit("1m", start: "2026-11-29T10:00:00Z", prunedThrough: "2026-11-29T10:02:00Z")
        XCTAssertEqual(listed(a, "2026-11-29T10:00:00Z", "2026-11-29T10:04:00Z"), ["2026-11-29T10:03:00Z", "2026-11-29T10:04:00Z"])
    }

    func testAPausedJobListsNoTickAfterItWasPaused() throws {
        let a = try audit("1m", start: "2026-11-29T10:00:00Z", pausedSince: "2026-11-29T10:02:30Z")
        XCTAssertEqual(listed(a, "2026-11-29T10:00:00Z", "2026-11-29T11:00:00Z"), ["2026-11-29T10:01:00Z", "2026-11-29T10:02:00Z"])
    }

    func testMoreTicksThanTheLimitAreTruncatedAtTheFirstOneNotListed() throws {
        let a = try audit("1s", start: "2026-11-29T10:00:00Z")
        let page = a.ticks(from: ms("2026-11-29T10:00:00Z"), to: ms("2026-11-29T11:00:00Z"), limit: 3)
        XCTAssertEqual(page.ticks, [ms("2026-11-29T10:00:01Z"), ms("2026-11-29T10:00:02Z"), ms("2026-11-29T10:00:03Z")])
        XCTAssertEqual(page.nextFrom, ms("2026-11-29T10:00:04Z"))
        let next = a.ticks(from: page.nextFrom!, to: ms("2026-11-29T11:00:00Z"), limit: 3)
        XCTAssertEqual(next.ticks.first, ms("2026-11-29T10:00:04Z"), "next_from starts the following page with the tick not listed")
        let exact = a.ticks(from: ms("2026-11-29T10:00:00Z"), to: ms("2026-11-29T10:00:03Z"), limit: 3)
        XCTAssertNil(exact.nextFrom, "exactly `limit` ticks: not truncated")
    }

    func testCronTicksAcrossTheLondonSpringGapAreListedOnceEach() throws {
        let a = try audit("*/15 * * * *", start: "2026-03-29T00:50:00Z", zone: "Europe/London")
        XCTAssertEqual(listed(a, "2026-03-29T00:50:00Z", "2026-03-29T01:30:00Z"),
                       ["2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z"],
                       "the wall times 01:00-01:45 that do not exist fire once at the gap's end, not four times")
        let daily = try audit("30 1 * * *", start: "2026-03-28T00:00:00Z", zone: "Europe/London")
        XCTAssertEqual(listed(daily, "2026-03-28T00:00:00Z", "2026-03-30T12:00:00Z"),
                       ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"], "one tick a day, the gap's one included")
    }

    func testCronTicksAcrossTheLondonFallBackOverlapAreListedOnce() throws {
        let a = try audit("*/20 * * * *", start: "2026-10-25T00:30:00Z", zone: "Europe/London")
        XCTAssertEqual(listed(a, "2026-10-25T00:30:00Z", "2026-10-25T02:20:00Z"),
                       ["2026-10-25T00:40:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z"],
                       "the second pass of 01:00-01:59 defines no tick, so none is missed")
    }

    // MARK: - Outcomes

    func testEachTickTakesItsLatestAttemptsStatusAndCountsItsRows() throws {
        let ticks = [ms("2026-11-29T10:01:00Z"), ms("2026-11-29T10:02:00Z")]
        let rows = [row("2026-11-29T10:01:00Z", attempt: 2, id: 12, .succeeded), row("2026-11-29T10:01:00Z", attempt: 1, id: 11, .failed),
                    row("2026-11-29T10:02:00Z", id: 13, .timedOut)]
        let out = TickAudit.outcomes(of: ticks, rows: rows, now: ms("2026-11-29T12:00:00Z"))
        XCTAssertEqual(out, [TickAudit.Tick(at: ticks[0], outcome: .succeeded, runID: 12, attempts: 2),
                             TickAudit.Tick(at: ticks[1], outcome: .timedOut, runID: 13, attempts: 1)],
                       "a retried tick that succeeded at its second attempt succeeded, in two attempts")
    }

    func testAPastTickWithoutARowIsMissedOneWithinTheGracePendingAndOneAfterNowFuture() throws {
        let now = ms("2026-11-29T10:00:00Z")
        let ticks = [now - 60_000, now - TickAudit.grace, now - TickAudit.grace + 1, now, now + 1]
        XCTAssertEqual(TickAudit.outcomes(of: ticks, rows: [], now: now).map(\.outcome), [.missed, .missed, .pending, .pending, .future])
        XCTAssertTrue(TickAudit.outcomes(of: ticks, rows: [], now: now).allSatisfy { $0.runID == nil && $0.attempts == nil })
    }

    func testSkippedTicksCarryTheirReasonAndOthersNone() throws {
        let ticks = [ms("2026-11-29T10:01:00Z"), ms("2026-11-29T10:02:00Z")]
        let rows = [row("2026-11-29T10:01:00Z", id: 1, .skipped, reason: "forbid"), row("2026-11-29T10:02:00Z", id: 2, .failed, reason: "x")]
        let out = TickAudit.outcomes(of: ticks, rows: rows, now: ms("2026-11-29T12:00:00Z"))
        XCTAssertEqual(out.map(\.reason), ["forbid", nil])
    }

    func testRowsOfOtherInstantsAreIgnored() throws {
        let ticks = [ms("2026-11-29T10:01:00Z")]
        let runNow = row("2026-11-29T10:00:31.250Z", id: 9, .succeeded)
        XCTAssertEqual(TickAudit.outcomes(of: ticks, rows: [runNow], now: ms("2026-11-29T12:00:00Z")).map(\.outcome), [.missed])
    }

    func testCountsHoldOnlyTheOutcomesPresentInOutcomeOrder() throws {
        let now = ms("2026-11-29T10:00:00Z")
        let ticks = [now - 120_000, now - 60_000, now + 60_000]
        let out = TickAudit.outcomes(of: ticks, rows: [TickAudit.Row(tick: now - 60_000, attempt: 1, runID: 5, status: .running)], now: now)
        let counts = TickAudit.counts(out)
        XCTAssertEqual(counts.map(\.0), [.running, .missed, .future])
        XCTAssertEqual(counts.map(\.1), [1, 1, 1])
    }

    // MARK: - Missed count (missed_ticks_24h)

    func testMissedCountIsTheTicksWithoutRowsUpToTheGrace() throws {
        let a = try audit("1m", start: "2026-11-29T00:00:00Z")
        let now = ms("2026-11-29T10:00:02Z")
        let ran: Set<Int64> = [ms("2026-11-29T09:58:00Z"), ms("2026-11-29T09:59:00Z"), ms("2026-11-29T09:59:30Z")]
        XCTAssertEqual(a.missedCount(from: ms("2026-11-29T09:55:00Z"), now: now, rowTicks: ran), 3,
                       "09:55-09:57 missed; 09:58, 09:59 ran; 09:59:30 is no tick; 10:00 is within the grace")
    }

    func testMissedCountOfACronScheduleAcrossTheGapAndHonoursCreationAndPause() throws {
        let a = try audit("*/15 * * * *", start: "2026-03-29T00:00:00Z", zone: "Europe/London", created: "2026-03-29T00:20:00Z",
                          pausedSince: "2026-03-29T01:20:00Z")
        XCTAssertEqual(a.missedCount(from: ms("2026-03-29T00:00:00Z"), now: ms("2026-03-29T03:00:00Z"), rowTicks: [ms("2026-03-29T01:00:00Z")]),
                       3, "00:30, 00:45 (after creation) and 01:15 missed, 01:00 ran; nothing after the pause at 01:20")
    }
}
