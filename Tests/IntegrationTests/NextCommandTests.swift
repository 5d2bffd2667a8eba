// Runs the built `dsched next` binary as a user would: its output, its errors and exit codes.

import Foundation
import XCTest

final class NextCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try Subprocess.run(ServerProcess.binary.path, ["next"] + arguments)
    }

    func testPrintsFiveFireTimesAcrossASpringForwardNight() throws {
        let result = try run(["*/30 * * * *", "--from", "2026-03-29T00:10:00Z", "--tz", "Europe/London"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            2026-03-29T00:30:00Z
            2026-03-29T01:00:00Z
            2026-03-29T01:30:00Z
            2026-03-29T02:00:00Z
            2026-03-29T02:30:00Z

            """)
    }

    func testCountNoRepeatAndMilliseconds() throws {
        let counted = try run(["1500", "--from", "2026-01-01T00:00:00Z", "--count", "2"])
        XCTAssertEqual(counted.stdout, "2026-01-01T00:00:01.500Z\n2026-01-01T00:00:03Z\n")
        let once = try run(["@daily", "--from", "2026-01-01T12:00:00+02:00", "--no-repeat", "--count", "3"])
        XCTAssertEqual(once.stdout, "2026-01-02T00:00:00Z\n")
        let atStart = try run(["0", "--from", "2026-01-01T00:00:00Z", "--no-repeat"])
        XCTAssertEqual(atStart.stdout, "2026-01-01T00:00:00Z\n")
    }

    func testDefaultsToStartingNow() throws {
        let result = try run(["1h"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 5)
    }

    func testScheduleErrorsGoToStandardErrorWithExitCodeTwo() throws {
        let cases: [([String], String)] = [
            (["61 * * * *"], "error: minute field: 61 is out of range 0-59\n"),
            (["@daily", "--tz", "Mars/Base"],
             "error: timezone field: Mars/Base is not a known time zone; allowed IANA names such as UTC, Europe/London\n"),
            (["0"], "error: frequency field: 0 with repeat true never advances; allowed a positive period, or repeat false\n"),
            (["@daily", "--from", "tomorrow"],
             "error: startdate field: tomorrow is not an RFC 3339 timestamp; allowed e.g. 2026-03-29T01:00:00Z\n"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertEqual(result.stderr, message)
            XCTAssertEqual(result.stdout, "")
        }
    }

    func testAFrequencyStartingWithADashGetsTheSchedulesOwnError() throws {
        let cases: [([String], String)] = [
            (["-90 * * * *"], "error: minute field: -90 is not a valid value; allowed 0-59\n"),
            (["--from", "2026-01-01T00:00:00Z", "-90 * * * *"], "error: minute field: -90 is not a valid value; allowed 0-59\n"),
            (["--", "-90 * * * *"], "error: minute field: -90 is not a valid value; allowed 0-59\n"),
            (["-5"], "error: frequency field: -5 is out of range 0-9223372036854775807\n"),
            (["-1-5 * * * *", "--count", "1"], "error: minute field: -1-5 is not a valid value; allowed 0-59\n"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr, message)
            XCTAssertEqual(result.stdout, "")
        }
    }

    func testUnknownOptionsAndUnquotedCronAreUsageErrors() throws {
        let typo = try run(["1h", "--conut", "3"])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.hasPrefix("Error: Unknown option '--conut'"), typo.stderr)
        let unquoted = try run(["0", "9", "*", "*", "*"])
        XCTAssertEqual(unquoted.status, 64)
        XCTAssertTrue(unquoted.stderr.hasPrefix("Error: expected one <frequency>, got 5 arguments (0 9 * * *)"), unquoted.stderr)
        let missing = try run([])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.hasPrefix("Error: Missing expected argument '<frequency>'"), missing.stderr)
    }

    func testSchedulesEndWithTheYear9999AndSaySo() throws {
        let none = try run(["* * * * * *", "--from", "9999-12-31T23:59:59Z"])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertEqual(none.stdout, "", "no 10000-01-01T00:00:00Z")
        XCTAssertEqual(none.stderr, "no tick after 9999-12-31T23:59:59.999Z: schedules end with year 9999\n")
        let two = try run(["1s", "--from", "9999-12-31T23:59:57Z"])
        XCTAssertEqual(two.stdout, "9999-12-31T23:59:58Z\n9999-12-31T23:59:59Z\n")
        XCTAssertEqual(two.stderr, "no tick after 9999-12-31T23:59:59.999Z: schedules end with year 9999\n")
        let once = try run(["1s", "--from", "2026-01-01T00:00:00Z", "--no-repeat"])
        XCTAssertEqual(once.stdout, "2026-01-01T00:00:01Z\n")
        XCTAssertEqual(once.stderr, "", "a job that does not repeat has one tick, and that is no end of the calendar")
    }

    func testADayOfWeekRangeMayEndOnSunday() throws {
        let result = try run(["0 9 * * Sat-Sun", "--from", "2026-01-01T00:00:00Z", "--count", "4"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "2026-01-03T09:00:00Z\n2026-01-04T09:00:00Z\n2026-01-10T09:00:00Z\n2026-01-11T09:00:00Z\n")
    }
}
