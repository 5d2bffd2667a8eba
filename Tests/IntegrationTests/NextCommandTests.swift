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
}
