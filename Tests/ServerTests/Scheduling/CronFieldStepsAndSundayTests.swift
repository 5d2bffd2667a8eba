// What the README says of cron fields, checked value by value: a day-of-week range ending in
// SUN or 0 runs to Sunday (as in cronie and croniter), and how `*/step` and `N/step` behave in
// every field. And the end of every schedule: no tick after 9999-12-31T23:59:59.999Z.
@testable import Server
import XCTest

final class CronFieldStepsAndSundayTests: XCTestCase {
    private func values(_ text: String, _ kind: CronField.Kind) throws -> [Int] {
        let field = try CronField(text[...], kind: kind)
        return (0..<64).filter(field.contains)
    }

    func testADayOfWeekRangeEndingInSundayRunsToTheEndOfTheWeek() throws {
        XCTAssertEqual(try values("Sat-Sun", .dayOfWeek), [0, 6])
        XCTAssertEqual(try values("SAT-SUN", .dayOfWeek), [0, 6])
        XCTAssertEqual(try values("MON-SUN", .dayOfWeek), [0, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try values("fri-0", .dayOfWeek), [0, 5, 6])
        XCTAssertEqual(try values("6-0", .dayOfWeek), [0, 6])
        XCTAssertEqual(try values("MON-SUN/2", .dayOfWeek), [0, 1, 3, 5], "MON, WED, FRI and the Sunday that ends the week")
        XCTAssertEqual(try values("MON-7", .dayOfWeek), [0, 1, 2, 3, 4, 5, 6], "7 already meant Sunday")
        XCTAssertEqual(try values("SUN-SAT", .dayOfWeek), [0, 1, 2, 3, 4, 5, 6], "SUN at the start is 0")
        XCTAssertEqual(try values("SUN-SUN", .dayOfWeek), [0])
        XCTAssertEqual(try values("0-0", .dayOfWeek), [0])
        XCTAssertEqual(try CronExpression("0 9 * * Sat-Sun").next(after: 1_800_000_000_000, in: .utc),
                       try RFC3339.parse("2027-01-16T09:00:00Z"), "2027-01-15 is a Friday: Saturday is next")
    }

    func testOtherBackwardsDayOfWeekRangesAreStillRefused() {
        for text in ["FRI-MON", "5-1", "7-1", "SAT-FRI"] {
            XCTAssertThrowsError(try CronField(text[...], kind: .dayOfWeek), text) { error in
                XCTAssertEqual(error as? ScheduleError, .backwardsRange(field: "day-of-week", text: text, allowed: "0-7 or SUN-SAT"))
            }
        }
        XCTAssertThrowsError(try CronField("12-0"[...], kind: .hour), "only day-of-week wraps its 0") { error in
            XCTAssertEqual(error as? ScheduleError, .backwardsRange(field: "hour", text: "12-0", allowed: "0-23"))
        }
    }

    /// `*/step` starts at the field's first value and `N/step` at N; both run to the field's top.
    func testStarStepAndStartStepInEveryField() throws {
        XCTAssertEqual(try values("*/60", .minute), [0], "one step spans the field: once an hour")
        XCTAssertEqual(try values("*/60", .second), [0])
        XCTAssertEqual(try values("*/7", .minute), [0, 7, 14, 21, 28, 35, 42, 49, 56], "restarts at 0 every hour")
        XCTAssertEqual(try values("5/15", .minute), [5, 20, 35, 50])
        XCTAssertEqual(try values("*/24", .hour), [0])
        XCTAssertEqual(try values("*/5", .hour), [0, 5, 10, 15, 20])
        XCTAssertEqual(try values("23/2", .hour), [23])
        XCTAssertEqual(try values("*/31", .dayOfMonth), [1], "day-of-month steps from 1")
        XCTAssertEqual(try values("1/2", .dayOfMonth), Array(stride(from: 1, through: 31, by: 2)))
        XCTAssertEqual(try values("*/10", .dayOfMonth), [1, 11, 21, 31])
        XCTAssertEqual(try values("*/12", .month), [1])
        XCTAssertEqual(try values("*/3", .month), [1, 4, 7, 10])
        XCTAssertEqual(try values("FEB/3", .month), [2, 5, 8, 11])
        XCTAssertEqual(try values("*/7", .dayOfWeek), [0], "Sundays")
        XCTAssertEqual(try values("*/2", .dayOfWeek), [0, 2, 4, 6])
        XCTAssertEqual(try values("1/2", .dayOfWeek), [1, 3, 5], "MON, WED, FRI: N/step stops at 6, Saturday")
        XCTAssertEqual(try values("MON/3", .dayOfWeek), [1, 4])
        XCTAssertEqual(try values("7/2", .dayOfWeek), [0], "7 is Sunday, and nothing comes after it")
        XCTAssertEqual(try values("10-40/10", .second), [10, 20, 30, 40])
    }

    func testStepsBeyondTheFieldsSpanAreRefused() {
        let cases: [(String, CronField.Kind, String)] = [
            ("*/61", .minute, "1-60"), ("*/61", .second, "1-60"), ("*/25", .hour, "1-24"), ("0/25", .hour, "1-24"),
            ("*/32", .dayOfMonth, "1-31"), ("*/13", .month, "1-12"), ("*/8", .dayOfWeek, "1-7"), ("1/0", .dayOfWeek, "1-7"),
        ]
        for (text, kind, allowed) in cases {
            XCTAssertThrowsError(try CronField(text[...], kind: kind), text) { error in
                XCTAssertEqual(error as? ScheduleError, .stepOutOfRange(field: kind.rawValue, text: text, allowed: allowed), text)
            }
        }
    }

    func testNoTickFallsAfterTheYear9999() throws {
        let end = FireTimes.lastInstant
        XCTAssertEqual(RFC3339.format(milliseconds: end), "9999-12-31T23:59:59.999Z")
        let everySecond = try FireTimes(schedule: Schedule.parse("* * * * * *"), start: end - 1_999, repeats: true)
        XCTAssertEqual(everySecond.first(), end - 999)
        XCTAssertNil(everySecond.next(after: end - 999), "10000-01-01T00:00:00Z does not exist")
        XCTAssertNil(try FireTimes(schedule: Schedule.parse("* * * * * *"), start: try RFC3339.parse("9999-12-31T23:59:59Z"), repeats: true).first())
        let interval = try FireTimes(schedule: .interval(milliseconds: 1000), start: end - 1500, repeats: true)
        XCTAssertEqual(interval.first(), end - 500)
        XCTAssertNil(interval.next(after: end - 500))
        XCTAssertNil(interval.next(after: end))
        let lastMillisecond = try FireTimes(schedule: .interval(milliseconds: 1), start: end - 1, repeats: true)
        XCTAssertEqual(lastMillisecond.first(), end, "the last instant itself is a tick")
        XCTAssertNil(lastMillisecond.next(after: end))
        XCTAssertNil(try FireTimes(schedule: Schedule.parse("@yearly"), start: try RFC3339.parse("9999-06-01T00:00:00Z"), repeats: false).first())
        XCTAssertEqual(try FireTimes(schedule: .interval(milliseconds: 0), start: end, repeats: false).first(), end)
    }
}
