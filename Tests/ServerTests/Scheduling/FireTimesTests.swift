// Tick sequences of intervals and cron expressions, in several zones and across daylight-saving
// changes both ways, leap days and month ends. Expected instants were checked against tzdata
// independently (Python's zoneinfo).

@testable import Server
import XCTest

final class FireTimesTests: XCTestCase {
    private func ms(_ text: String) -> Int64 {
        try! RFC3339.parse(text)
    }

    /// The first `count` ticks of a frequency, as RFC 3339 UTC text.
    private func ticks(
        _ frequency: String, from start: String, zone: String = "UTC", repeats: Bool = true, count: Int = 5
    ) throws -> [String] {
        let fireTimes = try FireTimes(
            schedule: Schedule.parse(frequency), start: ms(start), repeats: repeats, zone: ZoneRules.named(zone))
        var result: [String] = []
        var tick = fireTimes.first()
        while let instant = tick, result.count < count {
            result.append(RFC3339.format(milliseconds: instant))
            tick = fireTimes.next(after: instant)
        }
        return result
    }

    func testIntervalTicksAreStartPlusWholePeriods() throws {
        XCTAssertEqual(try ticks("1500", from: "2026-01-01T00:00:00Z", count: 3),
                       ["2026-01-01T00:00:01.500Z", "2026-01-01T00:00:03Z", "2026-01-01T00:00:04.500Z"])
        XCTAssertEqual(try ticks("1h30m", from: "2026-03-29T00:10:00.250Z", zone: "Europe/London", count: 2),
                       ["2026-03-29T01:40:00.250Z", "2026-03-29T03:10:00.250Z"], "intervals ignore wall clocks")
        let fireTimes = try FireTimes(schedule: .interval(milliseconds: 1000), start: 10_000, repeats: true)
        XCTAssertEqual(fireTimes.next(after: 0), 11_000, "before the start: the first tick")
        XCTAssertEqual(fireTimes.next(after: 11_000), 12_000, "strictly after")
        XCTAssertEqual(fireTimes.next(after: 11_999), 12_000)
        XCTAssertEqual(fireTimes.next(after: 1_000_000_500), 1_000_001_000)
    }

    func testNonRepeatingJobsFireOnlyTheirFirstTick() throws {
        XCTAssertEqual(try ticks("30s", from: "2026-01-01T00:00:00Z", repeats: false), ["2026-01-01T00:00:30Z"])
        XCTAssertEqual(try ticks("0", from: "2026-01-01T00:00:00Z", repeats: false), ["2026-01-01T00:00:00Z"],
                       "frequency 0 without repeat fires once at the start")
        XCTAssertEqual(try ticks("@daily", from: "2026-01-01T00:00:00Z", repeats: false), ["2026-01-02T00:00:00Z"])
        let once = try FireTimes(schedule: .interval(milliseconds: 0), start: 5000, repeats: false)
        XCTAssertEqual(once.next(after: 4999), 5000)
        XCTAssertNil(once.next(after: 5000))
    }

    func testTicksBeyondTheRepresentableRangeAreNil() throws {
        let interval = try FireTimes(schedule: .interval(milliseconds: Int64.max / 2), start: Int64.max / 2 + 10, repeats: true)
        XCTAssertNil(interval.first())
        XCTAssertNil(interval.next(after: Int64.max - 5))
        let cron = try FireTimes(schedule: Schedule.parse("@yearly"), start: Int64.max - 10, repeats: true)
        XCTAssertNil(cron.first())
    }

    func testCronTicksAreMatchesStrictlyAfterTheStart() throws {
        XCTAssertEqual(try ticks("0 * * * *", from: "2026-01-01T10:00:00Z", count: 2),
                       ["2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z"])
        XCTAssertEqual(try ticks("0 * * * *", from: "2026-01-01T09:59:59.999Z", count: 1), ["2026-01-01T10:00:00Z"])
        let fireTimes = try FireTimes(schedule: Schedule.parse("@hourly"), start: ms("2026-01-01T10:30:00Z"), repeats: true)
        XCTAssertEqual(fireTimes.next(after: ms("2026-01-01T00:00:00Z")), ms("2026-01-01T11:00:00Z"),
                       "nothing before the start")
    }

    func testStepOfSevenRestartsAtEveryHour() throws {
        XCTAssertEqual(try ticks("*/7 * * * *", from: "2026-01-01T10:48:00Z", count: 4),
                       ["2026-01-01T10:49:00Z", "2026-01-01T10:56:00Z", "2026-01-01T11:00:00Z", "2026-01-01T11:07:00Z"])
        XCTAssertEqual(try ticks("0 */7 * * *", from: "2026-01-01T20:00:00Z", count: 3),
                       ["2026-01-01T21:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T07:00:00Z"])
    }

    func testSixFieldExpressionsFireOnSeconds() throws {
        XCTAssertEqual(try ticks("*/20 * * * * *", from: "2026-01-01T00:00:50.5Z", count: 3),
                       ["2026-01-01T00:01:00Z", "2026-01-01T00:01:20Z", "2026-01-01T00:01:40Z"])
        XCTAssertEqual(try ticks("30 0 0 1 1 *", from: "2026-06-01T00:00:00Z", count: 2),
                       ["2027-01-01T00:00:30Z", "2028-01-01T00:00:30Z"])
        XCTAssertEqual(try ticks("59 59 23 31 12 *", from: "2026-12-31T23:59:59Z", count: 1), ["2027-12-31T23:59:59Z"])
    }

    func testLeapDayFiresOnlyInLeapYears() throws {
        XCTAssertEqual(try ticks("0 0 29 2 *", from: "2026-01-01T00:00:00Z", count: 3),
                       ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"])
        XCTAssertEqual(try ticks("0 0 29 2 *", from: "2096-03-01T00:00:00Z", count: 1), ["2104-02-29T00:00:00Z"],
                       "2100 is not a leap year")
        XCTAssertEqual(try ticks("0 12 29 FEB FRI", from: "2024-02-20T00:00:00Z", count: 3),
                       ["2024-02-23T12:00:00Z", "2024-02-29T12:00:00Z", "2025-02-07T12:00:00Z"],
                       "both day fields restricted: either fires")
    }

    func testTheThirtyFirstNeverFiresInShortMonths() throws {
        XCTAssertEqual(try ticks("0 0 31 * *", from: "2026-01-01T00:00:00Z", count: 7), [
            "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z",
            "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z",
        ])
        XCTAssertEqual(try ticks("0 0 30,31 2,4 *", from: "2026-01-01T00:00:00Z", count: 2),
                       ["2026-04-30T00:00:00Z", "2027-04-30T00:00:00Z"])
    }

    func testDayFieldsCombineWithOrOnlyWhenBothAreRestricted() throws {
        XCTAssertEqual(try ticks("0 0 13 * FRI", from: "2026-03-01T00:00:00Z", count: 4),
                       ["2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z", "2026-03-27T00:00:00Z"])
        XCTAssertEqual(try ticks("0 0 1 * MON", from: "2026-05-20T00:00:00Z", count: 3),
                       ["2026-05-25T00:00:00Z", "2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z"])
        XCTAssertEqual(try ticks("0 0 */2 * MON", from: "2026-03-01T00:00:00Z", count: 3),
                       ["2026-03-09T00:00:00Z", "2026-03-23T00:00:00Z", "2026-04-13T00:00:00Z"],
                       "*/2 starts with *, so odd days AND Mondays")
        XCTAssertEqual(try ticks("0 0 * * SUN", from: "2026-03-01T00:00:00Z", count: 2),
                       ["2026-03-08T00:00:00Z", "2026-03-15T00:00:00Z"])
        XCTAssertEqual(try ticks("0 0 * * 7", from: "2026-03-01T00:00:00Z", count: 1), ["2026-03-08T00:00:00Z"])
    }

    func testLondonSpringForwardFiresSkippedWallTimesAtTheGapsEnd() throws {
        XCTAssertEqual(try ticks("30 1 * * *", from: "2026-03-28T00:00:00Z", zone: "Europe/London", count: 3),
                       ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        XCTAssertEqual(try ticks("*/15 * * * *", from: "2026-03-29T00:50:00Z", zone: "Europe/London", count: 3),
                       ["2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z"],
                       "01:00-01:45 do not exist: they fire once, together with 02:00, at the gap's end")
    }

    func testLondonFallBackFiresRepeatedWallTimesOnce() throws {
        XCTAssertEqual(try ticks("30 1 * * *", from: "2026-10-24T12:00:00Z", zone: "Europe/London", count: 2),
                       ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
        XCTAssertEqual(try ticks("*/20 * * * *", from: "2026-10-25T00:30:00Z", zone: "Europe/London", count: 3),
                       ["2026-10-25T00:40:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z"],
                       "the second pass of 01:00-01:59 fires nothing")
        XCTAssertEqual(try ticks("0 * * * *", from: "2026-10-24T23:30:00Z", zone: "Europe/London", count: 3),
                       ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"])
    }

    func testNewYorkTransitionsBothWays() throws {
        XCTAssertEqual(try ticks("30 2 * * *", from: "2026-03-07T12:00:00Z", zone: "America/New_York", count: 2),
                       ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        XCTAssertEqual(try ticks("30 1 * * *", from: "2026-10-31T12:00:00Z", zone: "America/New_York", count: 2),
                       ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        XCTAssertEqual(try ticks("0 9 * * MON-FRI", from: "2026-03-06T00:00:00Z", zone: "America/New_York", count: 2),
                       ["2026-03-06T14:00:00Z", "2026-03-09T13:00:00Z"])
    }

    func testRulesPastTheListedTransitionsComeFromTheFooter() throws {
        XCTAssertEqual(try ticks("30 2 * * *", from: "2040-03-10T12:00:00Z", zone: "America/New_York", count: 2),
                       ["2040-03-11T07:00:00Z", "2040-03-12T06:30:00Z"])
        XCTAssertEqual(try ticks("0 12 1 7 *", from: "2100-01-01T00:00:00Z", zone: "Europe/London", count: 1),
                       ["2100-07-01T11:00:00Z"])
    }

    func testSydneyInTheSouthernHemisphere() throws {
        XCTAssertEqual(try ticks("30 2 * * *", from: "2026-04-04T00:00:00Z", zone: "Australia/Sydney", count: 2),
                       ["2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"], "April: 02:30 repeats, first one fires")
        XCTAssertEqual(try ticks("30 2 * * *", from: "2026-10-03T00:00:00Z", zone: "Australia/Sydney", count: 2),
                       ["2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"], "October: 02:30 is skipped, fires at 03:00")
        XCTAssertEqual(try ticks("0 0 1 1 *", from: "2026-06-01T00:00:00Z", zone: "Australia/Sydney", count: 1),
                       ["2026-12-31T13:00:00Z"], "summer time at new year")
    }

    func testKolkataHalfHourOffset() throws {
        XCTAssertEqual(try ticks("0 0 * * *", from: "2026-05-31T00:00:00Z", zone: "Asia/Kolkata", count: 2),
                       ["2026-05-31T18:30:00Z", "2026-06-01T18:30:00Z"])
        XCTAssertEqual(try ticks("*/45 * * * *", from: "2026-05-31T18:20:00Z", zone: "Asia/Kolkata", count: 3),
                       ["2026-05-31T18:30:00Z", "2026-05-31T19:15:00Z", "2026-05-31T19:30:00Z"])
    }

    func testLordHoweHalfHourDaylightSaving() throws {
        XCTAssertEqual(try ticks("15 2 * * *", from: "2026-10-03T00:00:00Z", zone: "Australia/Lord_Howe", count: 2),
                       ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"], "02:15 falls in the 30-minute gap")
        XCTAssertEqual(try ticks("45 1 * * *", from: "2026-04-04T00:00:00Z", zone: "Australia/Lord_Howe", count: 2),
                       ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"], "01:45 repeats: the first one fires")
    }
}
