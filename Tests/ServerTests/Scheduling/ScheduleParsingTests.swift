// Grammar of a job's frequency: what parses to what, and the exact words of every error.

@testable import Server
import XCTest

final class ScheduleParsingTests: XCTestCase {
    func testIntegersAndDurationsParseToMilliseconds() throws {
        let cases: [(String, Int64)] = [
            ("5000", 5000), ("0", 0), (" 42 ", 42), ("250ms", 250), ("30s", 30_000), ("5m", 300_000),
            ("1h30m", 5_400_000), ("2d", 172_800_000), ("1d2h3m4s5ms", 93_784_005), ("90M", 5_400_000),
            ("PT5M", 300_000), ("pt5m", 300_000), ("P1D", 86_400_000), ("P1DT12H", 129_600_000),
            ("PT1H30M", 5_400_000), ("PT0.5S", 500), ("PT1.25S", 1250), ("P2W", 1_209_600_000),
            ("@every 10m", 600_000), ("@every 1h30m", 5_400_000), ("@EVERY PT1S", 1000),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Schedule.parse(text), .interval(milliseconds: expected), text)
        }
        XCTAssertEqual(try Schedule.parse(milliseconds: 1500), .interval(milliseconds: 1500))
    }

    func testMacrosMeanTheirClassicCronExpressions() throws {
        let cases: [(String, String)] = [
            ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
            ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
            ("@hourly", "0 * * * *"), ("@Daily", "0 0 * * *"),
        ]
        for (macro, expansion) in cases {
            XCTAssertEqual(try Schedule.parse(macro), .cron(try CronExpression(expansion)), macro)
        }
    }

    func testCronFieldsAllowListsRangesStepsAndNames() throws {
        func bits(_ values: [Int]) -> UInt64 { values.reduce(0) { $0 | 1 << UInt64($1) } }
        let expression = try CronExpression("*/15 9-17 1,15,31 JAN-mar,Dec mon-FRI")
        XCTAssertEqual(expression.seconds.bits, bits([0]))
        XCTAssertEqual(expression.minutes.bits, bits([0, 15, 30, 45]))
        XCTAssertEqual(expression.hours.bits, bits(Array(9...17)))
        XCTAssertEqual(expression.daysOfMonth.bits, bits([1, 15, 31]))
        XCTAssertEqual(expression.months.bits, bits([1, 2, 3, 12]))
        XCTAssertEqual(expression.daysOfWeek.bits, bits(Array(1...5)))
        XCTAssertTrue(expression.usesDayOr)

        let sixFields = try CronExpression("10-40/10 0 0 * * 7")
        XCTAssertEqual(sixFields.seconds.bits, bits([10, 20, 30, 40]))
        XCTAssertEqual(sixFields.daysOfWeek.bits, bits([0]), "7 is Sunday")
        XCTAssertEqual(try CronExpression("0 0 * * 5-7").daysOfWeek.bits, bits([0, 5, 6]))
        XCTAssertEqual(try CronExpression("5/20 * * * *").minutes.bits, bits([5, 25, 45]), "v/step runs to the end")
        XCTAssertEqual(try CronExpression("0 */7 * * *").hours.bits, bits([0, 7, 14, 21]))
        XCTAssertEqual(try CronExpression("*/60 * * * *").minutes.bits, bits([0]))
        XCTAssertFalse(try CronExpression("0 0 */2 * MON").usesDayOr, "a day field starting with * means AND")
        XCTAssertEqual(try Schedule.parse("  0\t12 * * *  "), .cron(try CronExpression("0 12 * * *")))
    }

    func testInvalidFrequenciesNameFieldTextAndAllowedRange() {
        let cases: [(String, String, String)] = [
            ("61 * * * *", "minute", "minute field: 61 is out of range 0-59"),
            ("* 24 * * *", "hour", "hour field: 24 is out of range 0-23"),
            ("* * 0 * *", "day-of-month", "day-of-month field: 0 is out of range 1-31"),
            ("* * 32 * *", "day-of-month", "day-of-month field: 32 is out of range 1-31"),
            ("* * * 13 *", "month", "month field: 13 is out of range 1-12"),
            ("* * * * 8", "day-of-week", "day-of-week field: 8 is out of range 0-7"),
            ("60 * * * * *", "second", "second field: 60 is out of range 0-59"),
            ("*/0 * * * *", "minute", "minute field: step of */0 is out of range 1-60"),
            ("* */25 * * *", "hour", "hour field: step of */25 is out of range 1-24"),
            ("* * * * */8", "day-of-week", "day-of-week field: step of */8 is out of range 1-7"),
            ("30-10 * * * *", "minute", "minute field: 30-10 is a backwards range; allowed 0-59"),
            ("* * * * FRI-MON", "day-of-week", "day-of-week field: FRI-MON is a backwards range; allowed 0-7 or SUN-SAT"),
            ("* * * FOO *", "month", "month field: FOO is not a valid value; allowed 1-12 or JAN-DEC"),
            ("* * * * JAN", "day-of-week", "day-of-week field: JAN is not a valid value; allowed 0-7 or SUN-SAT"),
            ("1,,2 * * * *", "minute", "minute field: 1,,2 is not a valid value; allowed 0-59"),
            ("-5 * * * *", "minute", "minute field: -5 is not a valid value; allowed 0-59"),
            ("*/x * * * *", "minute", "minute field: */x is not a valid value; allowed 0-59"),
            ("? * * * *", "minute", "minute field: ? is not a valid value; allowed 0-59"),
            ("* * L * *", "day-of-month", "day-of-month field: L is not a valid value; allowed 1-31"),
            ("* * * *", "frequency",
             "frequency field: * * * * has 4 fields; allowed 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
            ("0 0 0 * * * *", "frequency",
             "frequency field: 0 0 0 * * * * has 7 fields; allowed 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
            ("@reboot", "frequency",
             "frequency field: @reboot is not a known macro; allowed @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>"),
            ("0 0 30 2 *", "day-of-month", "day-of-month field: 30 never occurs in the selected months; allowed 1-29"),
            ("0 0 31 4,6 *", "day-of-month", "day-of-month field: 31 never occurs in the selected months; allowed 1-30"),
            ("5x", "frequency",
             "frequency field: 5x is not a duration; allowed <n>d<n>h<n>m<n>s<n>ms in that order (e.g. 250ms, 1h30m) or ISO 8601 (e.g. PT5M)"),
            ("-5", "frequency", "frequency field: -5 is out of range 0-9223372036854775807"),
            ("99999999999999999999", "frequency",
             "frequency field: 99999999999999999999 is out of range 0-9223372036854775807"),
            ("", "frequency",
             "frequency field: \"\" is not a valid value; allowed milliseconds, a duration (30s, 1h30m, PT5M) or a cron expression"),
        ]
        for (text, field, message) in cases {
            XCTAssertThrowsError(try Schedule.parse(text), text) { error in
                guard let error = error as? ScheduleError else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(error.field, field, text)
                XCTAssertEqual(error.description, message, text)
            }
        }
    }

    func testMalformedDurationsAreRejected() {
        let invalid = [
            "1m1h", "1h1h", "h", "1.5h", "1 h", "30sec", "5y", "P", "PT", "P1Y", "P1M", "PT1D", "P1H",
            "PT0.0001S", "PT1.5M", "P1DT", "5s5", "@every", "@every 5x", "@every 1h 2m", "10ms5s",
        ]
        for text in invalid {
            XCTAssertThrowsError(try Schedule.parse(text), text) { error in
                XCTAssertTrue(error is ScheduleError, text)
            }
        }
        XCTAssertThrowsError(try Schedule.parse("106751991167301d")) { error in
            XCTAssertEqual(error as? ScheduleError,
                           .outOfRange(field: "frequency", text: "106751991167301d", allowed: "0-9223372036854775807ms"))
        }
        XCTAssertThrowsError(try Schedule.parse(milliseconds: -1)) { error in
            XCTAssertEqual((error as? ScheduleError)?.description, "frequency field: -1 is out of range 0-9223372036854775807")
        }
    }

    func testUnknownTimeZonesAreRejectedByName() {
        for name in ["Mars/Base", "", "../../etc/passwd", "/etc/localtime", "Europe/../Europe/London", "zone.tab",
                     "Europe", "Europe/London ", "America//New_York"] {
            XCTAssertThrowsError(try ZoneRules.named(name), name) { error in
                XCTAssertEqual(error as? ScheduleError, .unknownZone(name: name))
                XCTAssertEqual((error as? ScheduleError)?.field, "timezone")
            }
        }
        XCTAssertEqual(
            ScheduleError.unknownZone(name: "Mars/Base").description,
            "timezone field: Mars/Base is not a known time zone; allowed IANA names such as UTC, Europe/London")
        XCTAssertNoThrow(try ZoneRules.named("Europe/London"))
        XCTAssertNoThrow(try ZoneRules.named("Etc/GMT+5"))
        XCTAssertEqual(try ZoneRules.named("UTC"), .utc)
    }

    func testRepeatingZeroFrequencyIsAnError() throws {
        XCTAssertThrowsError(try FireTimes(schedule: .interval(milliseconds: 0), start: 0, repeats: true)) { error in
            XCTAssertEqual(error as? ScheduleError, .repeatingZeroFrequency)
            XCTAssertEqual((error as? ScheduleError)?.field, "frequency")
        }
        XCTAssertNoThrow(try FireTimes(schedule: .interval(milliseconds: 0), start: 0, repeats: false))
    }
}
