// `dsched jobs|runs` against a server that is hostile or broken (Support/hostileserver.py): a
// redirect is not followed (the token would go to another host), an endless body is cut at
// the bound, a paging cursor that does not advance stops the listing; each is "no usable
// answer", exit 3, with nothing on stdout. And `-f` files stop at the server's body limit.
import Foundation
import XCTest

final class CLIHostileServerTests: XCTestCase {
    /// Runs `dsched ARGUMENTS` against `server` with a token in the environment.
    private func cli(_ arguments: [String], against server: HostileServer) throws -> (status: Int32, stdout: String, stderr: String) {
        var env = ProcessInfo.processInfo.environment
        env["DSCHED_URL"] = "http://127.0.0.1:\(server.port)"
        env["DSCHED_API_TOKEN"] = "secret-token"
        return try Subprocess.run(ServerProcess.binary.path, arguments, environment: env)
    }

    func testARedirectIsNotFollowedSoTheTokenStaysAndTheAnswerIsUnusable() throws {
        let server = try HostileServer(mode: "redirect")
        let outcome = try cli(["jobs", "list"], against: server)
        XCTAssertEqual(outcome.status, 3, outcome.stderr)
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertTrue(outcome.stderr.contains("HTTP 302"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("http://127.0.0.1:\(server.witnessPort)/steal"), outcome.stderr)
        XCTAssertEqual(server.witnessed, [], "the redirect target was reached")
    }

    func testAnEndlessAnswerOrACursorThatDoesNotAdvanceIsUnusableAndExitsThree() throws {
        let cases: [(mode: String, arguments: [String], message: String)] = [
            ("endless", ["jobs", "list"], "is larger than \(512 << 20) bytes"),
            ("jobsloop", ["jobs", "list"], "the cursor does not advance"),
            ("runsloop", ["runs", "list", "1", "--limit", "100"], "the cursor does not advance"),
        ]
        for (mode, arguments, message) in cases {
            let outcome = try cli(arguments, against: try HostileServer(mode: mode))
            XCTAssertEqual(outcome.status, 3, "\(mode): \(outcome.stderr)")
            XCTAssertEqual(outcome.stdout, "", mode)
            XCTAssertTrue(outcome.stderr.contains(message), "\(mode): \(outcome.stderr)")
        }
    }

    func testAnEndlessFileOrStandardInputStopsAtTheBodyLimitAndNothingIsSent() throws {
        let server = try HostileServer(mode: "jobsloop")
        let zero = try cli(["jobs", "add", "-f", "/dev/zero"], against: server)
        XCTAssertEqual(zero.status, 2, zero.stderr)
        XCTAssertTrue(zero.stderr.contains("larger than 1048576 bytes"), zero.stderr)

        var env = ProcessInfo.processInfo.environment
        env["DSCHED_URL"] = "http://127.0.0.1:\(server.port)"
        let endless = try Subprocess.run("/bin/sh", ["-c", "yes | \"$0\" jobs add -f -", ServerProcess.binary.path], environment: env)
        XCTAssertEqual(endless.status, 2, endless.stderr)
        XCTAssertTrue(endless.stderr.contains("larger than 1048576 bytes"), endless.stderr)
    }
}
