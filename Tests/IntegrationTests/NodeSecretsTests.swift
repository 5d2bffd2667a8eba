// The node's secrets are out of a same-user script's reach (issue 11, row 4, the master's side):
// the master drops them from its environment once read, master and workers are non-dumpable,
// and the API token can come from a file.
import Foundation
import XCTest

final class NodeSecretsTests: XCTestCase {
    private static let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]

    func testTheMastersEnvironNoLongerHoldsTheSecretsItWasStartedWith() throws {
        let database = try TestDatabase()
        var environment = database.environment
        environment["PGPASSWORD"] = "db-secret"
        environment["DSCHED_API_TOKEN"] = "api-secret"
        let server = try ServerProcess(environment: environment)
        try waitForReady(server)
        let environ = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(server.pid)/environ")), as: UTF8.self)
        XCTAssertTrue(environ.contains("PGDATABASE=\(environment["PGDATABASE"]!)"), "the rest of the environment stays")
        XCTAssertFalse(environ.contains("db-secret"))
        XCTAssertFalse(environ.contains("api-secret"))
        XCTAssertFalse(environ.contains("PGPASSWORD="))
        XCTAssertFalse(environ.contains("DSCHED_API_TOKEN="))
        let client = try RawClient(port: server.port)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer api-secret"]).status, 200,
                       "the token read before it was dropped is the one required")
    }

    /// Root reads any process's /proc files, so the node runs as nobody here, as does the
    /// reader: the same user, as a job's script would be.
    func testTheSameUserCannotReadTheMastersOrAWorkersEnviron() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-test-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["DSCHED_WORKERS"] = "1"
        let node = try Subprocess.spawn("/usr/bin/setpriv", Self.nobody + [ServerProcess.binary.path, "serve", "--PORT", "0"],
                                        environment: environment, outputPath: log.path, killWithParent: true)
        defer { node.kill() }
        XCTAssertTrue(try waitUntil(timeout: 15) { try String(contentsOf: log, encoding: .utf8).contains("node listening") })
        let master = node.pid
        var workers: [Int32] = []
        XCTAssertTrue(waitUntil(timeout: 15) {
            workers = (try? String(contentsOfFile: "/proc/\(master)/task/\(master)/children", encoding: .utf8))?
                .split(separator: " ").compactMap { Int32($0) } ?? []
            return !workers.isEmpty
        }, "the master spawned its worker")
        // A worker turns non-dumpable as it starts, a moment after it appears.
        for pid in [master] + workers {
            XCTAssertTrue(try waitUntil(timeout: 10) {
                let result = try Subprocess.run("/usr/bin/setpriv", Self.nobody + ["/bin/cat", "/proc/\(pid)/environ"])
                return result.status != 0 && result.stderr.contains("Permission denied")
            }, "process \(pid)'s environ is not readable by its own user")
        }
    }

    func testTheTokenFromAFileLessItsNewlineIsRequired() throws {
        let database = try TestDatabase()
        let file = try temporaryFile(contents: "from-file\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try ServerProcess(arguments: ["--api-token-file", file], environment: database.environment)
        let client = try RawClient(port: server.port)
        XCTAssertEqual(try client.request("GET", "/jobs").status, 401)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer wrong"]).status, 401)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer from-file"]).status, 200)
        let fromEnvironment = try ServerProcess(environment: database.environment.merging(["DSCHED_API_TOKEN_FILE": file]) { $1 })
        XCTAssertEqual(try RawClient(port: fromEnvironment.port).request("GET", "/jobs", headers: ["Authorization": "Bearer from-file"]).status, 200)
        XCTAssertEqual(try RawClient(port: fromEnvironment.port).request("GET", "/jobs").status, 401)
    }

    func testAnEmptyTokenFileIsNoTokenAndOffLoopbackRefusesToStart() throws {
        let file = try temporaryFile(contents: "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--host", "0.0.0.0", "--PORT", "0", "--api-token-file", file])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("refusing to listen on 0.0.0.0 without --api-token"), result.stderr)
    }

    func testAnUnreadableTokenFileIsAClearError() throws {
        let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--PORT", "0", "--api-token-file", "/nonexistent/token"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot read the API token file /nonexistent/token"), result.stderr)
    }

    func testATokenAndATokenFileTogetherAreRefused() throws {
        let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--PORT", "0", "--api-token", "t", "--api-token-file", "/dev/null"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("not both"), result.stderr)
    }

    private func temporaryFile(contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-token-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
