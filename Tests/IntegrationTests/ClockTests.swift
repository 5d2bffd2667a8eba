// One clock for the cluster (issue 12, hole 9), with the real binary: a node whose wall clock
// runs 3 s ahead (Debian's libfaketime) still fires no tick before its time and shows its
// offset in GET /nodes; a node whose round trips to PostgreSQL are too slow to tell the time
// (a FaultProxy adding 1.5 s each way) stops firing with one error line and resumes after.
import Foundation
import XCTest

final class ClockTests: NodesTestCase {
    private static let faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

    /// Starts a node with extra environment and waits until it is ready: it fires (its first
    /// good estimate of PostgreSQL's clock).
    private func launch(_ arguments: [String], environment: [String: String]) throws -> (ServerProcess, RawClient) {
        let server = try ServerProcess(arguments: arguments, environment: database.environment.merging(environment) { $1 })
        nodes.append(server)
        try waitForReady(server)
        XCTAssertTrue(server.log.contains("firing starts"))
        return (server, try RawClient(port: server.port))
    }

    private func thisNode(_ client: RawClient) throws -> [String: Any] {
        let members = try client.request("GET", "/nodes").object["nodes"] as? [[String: Any]] ?? []
        return try XCTUnwrap(members.first)
    }

    func testANodeThreeSecondsAheadFiresNoTickBeforeItsTimeAndShowsItsOffset() throws {
        guard FileManager.default.fileExists(atPath: Self.faketime) else {
            throw TestFailure("\(Self.faketime) is missing: install Debian's faketime package (scripts/deps.sh)")
        }
        // The wall clock runs 3 s ahead; the monotonic clock is left alone. Workers and scripts
        // inherit it: the script reads the real time (PostgreSQL's, on this host) without it.
        let (_, client) = try launch(["--workers", "1"], environment: [
            "LD_PRELOAD": Self.faketime, "FAKETIME": "+3s", "FAKETIME_DONT_FAKE_MONOTONIC": "1"])
        let directory = NSTemporaryDirectory() + "dsched-clock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = try createJob(client, #"{"name":"on time","frequency":"1s","script":"env -u LD_PRELOAD date +%s%3N > \#(directory)/$DSCHED_RUN_ID"}"#)
        XCTAssertTrue(try waitUntil(timeout: 20) {
            (try FileManager.default.contentsOfDirectory(atPath: directory)).count >= 4
        }, "the job fires every second")
        let rows = try database.query("""
            SELECT id, (extract(epoch FROM scheduled_at) * 1000)::bigint FROM job_run WHERE job_id = \(job)
            """).split(separator: "\n").map { $0.split(separator: "|").map { Int64($0)! } }
        var checked = 0
        for row in rows {
            guard let text = try? String(contentsOfFile: "\(directory)/\(row[0])", encoding: .utf8),
                  let ranAt = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            XCTAssertGreaterThanOrEqual(ranAt, row[1], "run \(row[0]) ran \(row[1] - ranAt) ms before its tick")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 4)
        let node = try thisNode(client)
        let offset = try XCTUnwrap(node["clock_offset_ms"] as? Double, "\(node)")
        let error = try XCTUnwrap(node["clock_error_ms"] as? Double, "\(node)")
        XCTAssertEqual(offset, -3_000, accuracy: 100, "PostgreSQL's clock is 3 s behind this node's")
        XCTAssertLessThan(error, 500)
    }

    func testANodeThatCannotTellTheTimeStopsFiringWithOneErrorAndResumes() throws {
        let proxy = try FaultProxy(targetPort: Int(ProcessInfo.processInfo.environment["PGPORT"] ?? "5432")!)
        let (server, client) = try launch(["--workers", "1"], environment: ["PGHOST": "127.0.0.1", "PGPORT": "\(proxy.port)"])
        let job = try createJob(client, #"{"name":"steady","frequency":"500ms","script":"true"}"#)
        func runs() throws -> Int { Int(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)"))! }
        XCTAssertTrue(try waitUntil(timeout: 10) { try runs() >= 2 })

        try proxy.command("delay 1500")
        // Slow answers push the good sample out within 8 s (the clock has a connection of its
        // own, so its queries answer slowly rather than wait behind the others).
        try server.waitForLog(containing: "firing stopped", timeout: 30)
        XCTAssertTrue(try waitUntil(timeout: 5) {
            try thisNode(client)["clock_error_ms"] as? Double ?? .infinity > 500
        }, "the next heartbeat publishes the error")
        // Claims sent before the stop may still land (3 s round trips); then nothing fires.
        usleep(4_000_000)
        let whileStopped = try runs()
        usleep(3_000_000)
        XCTAssertEqual(try runs(), whileStopped, "no tick fires while the node cannot tell the time")
        XCTAssertEqual(server.log.components(separatedBy: "firing stopped").count - 1, 1, "one error line for the whole stop")
        let runNow = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(runNow.status, 503, "a run-now is refused while firing is stopped: \(runNow.bodyText)")
        XCTAssertEqual(runNow.error["code"] as? String, "clock_not_synchronised")
        let readiness = try client.request("GET", "/readyz")
        XCTAssertEqual(readiness.status, 503)
        // 1.5 s each way also holds back the lease's renewals: the node may be fenced too.
        XCTAssertEqual((readiness.object["not_ready"] as? [String])?.first, "clock", readiness.bodyText)

        try proxy.command("delay 0")
        try server.waitForLog(containing: "firing resumes", timeout: 20)
        XCTAssertTrue(try waitUntil(timeout: 10) { try runs() >= whileStopped + 2 }, "the job fires again")
    }

    func testTheMaximumSkewIsAPositiveNumberOfSecondsOfAtMostAMinute() throws {
        for value in ["500", "0", "-1", "soon"] {
            let server = try ServerProcess(environment: ["DSCHED_MAX_CLOCK_SKEW": value], waitForListening: false)
            let status = server.waitForExit(timeout: 10)
            XCTAssertNotNil(status, "\(value): the node refuses to start")
            XCTAssertNotEqual(status, 0, value)
            XCTAssertTrue(server.log.contains("DSCHED_MAX_CLOCK_SKEW"), "\(value): \(server.log)")
        }
    }
}
