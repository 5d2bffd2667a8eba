// `dsched jobs|runs|…` when things go wrong: the exit code scripts rely on (1 the server said
// no, 2 usage, 3 no server) and the message each prints; the token from the environment or a
// file, and none.
import Foundation
import XCTest

final class CLIErrorsTests: CLITestCase {
    func testTheServerSayingNoExitsOneWithItsMessageAndField() throws {
        try startNode()
        let unknown = try cli(["jobs", "show", "999999"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "error: HTTP 404 job_not_found: no job with id 999999\n")

        let badField = try cli(["jobs", "add", "--name", "x", "--schedule", "*/5 25 * * *", "--script", "true"])
        XCTAssertEqual(badField.status, 1)
        XCTAssertEqual(badField.stderr, "error: HTTP 400 invalid_value (field frequency): frequency: hour field: 25 is out of range 0-23\n")

        let badEdit = try cli(["jobs", "edit", "999999", "--retries", "1"])
        XCTAssertEqual(badEdit.status, 1)
        let unknownRun = try cli(["runs", "show", "999999"])
        XCTAssertEqual(unknownRun.status, 1)
        XCTAssertEqual(unknownRun.stderr, "error: HTTP 404 run_not_found: no run with id 999999\n")
    }

    func testUsageErrorsExitTwo() throws {
        try startNode()
        let cases: [[String]] = [
            ["jobs", "list", "--bogus"], ["jobs", "lsit"], ["jobs", "show", "abc"], ["jobs", "show"], ["runs", "list", "0"],
            ["jobs", "add", "--retries", "many"], ["jobs", "edit", "1"], ["jobs", "list", "--limit", "0"],
            ["jobs", "add", "-f", "/nonexistent/job.yaml"], ["jobs", "list", "--server", "localhost:8080"],
        ]
        for arguments in cases {
            let outcome = try cli(arguments)
            XCTAssertEqual(outcome.status, 2, "dsched \(arguments.joined(separator: " ")): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.lowercased().hasPrefix("error: "), outcome.stderr)
            XCTAssertEqual(outcome.stdout, "")
        }
        let badYAML = try cli(["jobs", "add", "-f", try temporaryFile("bad.yaml", "name: [unclosed\n")])
        XCTAssertEqual(badYAML.status, 2)
        XCTAssertTrue(badYAML.stderr.contains("is not valid YAML"), badYAML.stderr)
    }

    func testNoServerExitsThree() throws {
        try startNode()
        // Port 1: nothing listens there, so the connection is refused at once.
        let outcome = try cli(["jobs", "list"], environment: ["DSCHED_URL": "http://127.0.0.1:1"])
        XCTAssertEqual(outcome.status, 3)
        XCTAssertTrue(outcome.stderr.hasPrefix("error: cannot reach http://127.0.0.1:1: "), outcome.stderr)
    }

    func testTheTokenComesFromTheEnvironmentOrAFileAndWithoutOneTheServersRefusalExitsOne() throws {
        try startNode()
        XCTAssertEqual(try cli(["workers"]).status, 0, "DSCHED_API_TOKEN")

        let file = try temporaryFile("token", Self.token + "\n")
        let fromFile = try cli(["workers", "--token-file", file], environment: ["DSCHED_API_TOKEN": nil])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let fileWins = try cli(["workers", "--token-file", file], environment: ["DSCHED_API_TOKEN": "wrong"])
        XCTAssertEqual(fileWins.status, 0, "--token-file wins over the environment: \(fileWins.stderr)")

        let none = try cli(["jobs", "list"], environment: ["DSCHED_API_TOKEN": nil])
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "error: HTTP 401 unauthorized: missing bearer token: send Authorization: Bearer <token>\n")
        let wrong = try cli(["jobs", "list"], environment: ["DSCHED_API_TOKEN": "wrong"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.hasPrefix("error: HTTP 401 unauthorized: "), wrong.stderr)

        let unreadable = try cli(["workers", "--token-file", "/nonexistent/token"])
        XCTAssertEqual(unreadable.status, 2)
    }
}
