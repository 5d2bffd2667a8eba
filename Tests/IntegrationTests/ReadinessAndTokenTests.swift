// What a node tells the unauthenticated: /readyz names the dependency that is not ready and
// nothing of the database (the details go to its log, once per change); and an empty API
// token counts as none, so the node will not listen off loopback with one.
import Foundation
import XCTest

final class ReadinessAndTokenTests: XCTestCase {
    func testReadyzNamesOnlyTheDependencyAndLogsTheDetailsOncePerChange() throws {
        let database = try TestDatabase()
        let server = try ServerProcess(environment: database.environment)
        try waitForReady(server)
        let client = try RawClient(port: server.port)
        let earlierLines = server.log.split(separator: "\n").count
        try services("pg-stop")
        defer { try? services("pg-start") }
        XCTAssertTrue(try waitUntil(timeout: 20) { try client.request("GET", "/readyz").status == 503 })
        for _ in 0..<5 {
            let answer = try client.request("GET", "/readyz")
            XCTAssertEqual(answer.status, 503)
            XCTAssertEqual(answer.header("Retry-After"), "1")
            XCTAssertEqual(answer.bodyText,
                           #"{"error":{"code":"not_ready","message":"postgres: not ready"},"not_ready":["postgres"],"status":"not_ready"}"#)
        }
        let notReady = server.log.split(separator: "\n").dropFirst(earlierLines).filter { $0.hasSuffix("] not ready") }
        XCTAssertEqual(notReady.count, 1, "once per change, not per probe:\n\(server.log)")
        let line = try XCTUnwrap(notReady.first)
        XCTAssertTrue(line.contains("dependency=postgres"), String(line))
        let reason = try XCTUnwrap(line.range(of: "reason=").map { line[$0.upperBound...] }, String(line))
        XCTAssertFalse(reason.hasPrefix(" ") || reason.hasPrefix("["), "the log says why: \(line)")

        try services("pg-start")
        XCTAssertTrue(try waitUntil(timeout: 20) { try client.request("GET", "/readyz").status == 200 })
        XCTAssertEqual(try client.request("GET", "/readyz").bodyText, #"{"status":"ready"}"#)
        let after = server.log.split(separator: "\n").dropFirst(earlierLines)
        XCTAssertEqual(after.filter { $0.hasSuffix("] ready") }.count, 1, "ready again, once:\n\(server.log)")
        XCTAssertEqual(after.filter { $0.hasSuffix("] not ready") }.count, 1)
    }

    func testAnEmptyTokenIsNoTokenOffLoopback() throws {
        let refusal = "refusing to listen on 0.0.0.0 without --api-token (an empty token is no token)"
        for (arguments, token) in [(["--api-token", ""], nil), (["--api-token", "  "], nil), ([], ""), ([], " \t")] as [([String], String?)] {
            var environment = ProcessInfo.processInfo.environment
            environment["DSCHED_API_TOKEN"] = token
            let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--host", "0.0.0.0", "--PORT", "0"] + arguments,
                                            environment: environment)
            XCTAssertNotEqual(result.status, 0, "\(arguments) DSCHED_API_TOKEN=\(token ?? "unset")")
            XCTAssertTrue(result.stderr.contains(refusal), result.stderr)
        }
    }

    func testAnEmptyTokenOnLoopbackLeavesTheAPIOpen() throws {
        let database = try TestDatabase()
        var environment = database.environment
        environment["DSCHED_API_TOKEN"] = ""
        let server = try ServerProcess(environment: environment)
        try waitForReady(server)
        let client = try RawClient(port: server.port)
        XCTAssertEqual(try client.request("GET", "/jobs").status, 200)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer "]).status, 200)
    }
}
