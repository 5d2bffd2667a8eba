// CLITestCase: a node with an API token, and `dsched jobs|runs|nodes|workers` run against it
// as a user would: the real binary as a subprocess, the server from DSCHED_URL and the token
// from DSCHED_API_TOKEN unless a test says otherwise.
import Foundation
import XCTest

class CLITestCase: SingleNodeTestCase {
    static let token = "cli-test-token"

    /// What one command did: its exit status and what it wrote.
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String

        /// stdout as JSON (an object or an array).
        func json() throws -> Any {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        }

        func object() throws -> [String: Any] {
            try XCTUnwrap(try json() as? [String: Any], stdout)
        }
    }

    /// Starts a node that wants `token` on every non-probe request.
    func startNode(_ arguments: [String] = []) throws {
        server = try ServerProcess(arguments: arguments, environment: database.environment.merging(["DSCHED_API_TOKEN": Self.token]) { $1 })
        try waitForReady(server)
    }

    /// Runs `dsched ARGUMENTS` with DSCHED_URL naming the node and `environment` over the
    /// test's own (a nil value removes a variable; DSCHED_API_TOKEN is the node's by default).
    func cli(_ arguments: [String], environment: [String: String?] = [:]) throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        env["DSCHED_URL"] = "http://127.0.0.1:\(server.port)"
        env["DSCHED_API_TOKEN"] = Self.token
        for (name, value) in environment { env[name] = value }
        let result = try Subprocess.run(ServerProcess.binary.path, arguments, environment: env)
        return Outcome(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Runs a command that must succeed; its outcome.
    @discardableResult
    func ok(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let outcome = try cli(arguments)
        XCTAssertEqual(outcome.status, 0, "dsched \(arguments.joined(separator: " ")): \(outcome.stderr)", file: file, line: line)
        return outcome
    }

    /// A file in the temporary directory holding `text`, removed after the test.
    func temporaryFile(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
