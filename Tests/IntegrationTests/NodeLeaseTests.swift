// The node lease with the real binary (issue 12, hole 6, contract 3): a second live process
// under a node id already in use exits with an error and leaves the first alone; a node
// restarted at once after kill -9 under the same id waits for its old lease to expire, then
// fires; a node cut off from PostgreSQL fences itself (stops its runs) and fires again once
// it renews.
import Foundation
import XCTest

final class NodeLeaseTests: NodesTestCase {
    /// A short lease, so that waiting for one to expire takes seconds.
    private func arguments(_ id: String) -> [String] {
        ["--node-id", id, "--workers", "1", "--node-lease", "2", "--reload-interval", "0.5"]
    }

    private func succeededRuns(of job: Int, since: Date = .distantPast) throws -> Int {
        let since = since == .distantPast ? "-infinity" : ISO8601DateFormatter().string(from: since)
        return Int(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND status = 'succeeded' AND started_at > '\(since)'")) ?? 0
    }

    func testASecondProcessWithTheSameNodeIDExitsWithAClearErrorAndTheFirstKeepsFiring() throws {
        let (first, client) = try launch(arguments("twin"))
        let job = try createJob(client, #"{"name":"beat","frequency":300,"script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try succeededRuns(of: job) >= 2 }, "the first process fires")
        let twin = try ServerProcess(arguments: arguments("twin"), environment: database.environment, waitForListening: false)
        let status = twin.waitForExit(timeout: 20)
        XCTAssertNotNil(status, "the second process exits instead of running beside the first:\n\(twin.log)")
        XCTAssertNotEqual(status, 0, "with a failure status")
        XCTAssertTrue(twin.log.contains("another live process") && twin.log.contains("node id twin"),
                      "its error names the node id:\n\(twin.log)")
        XCTAssertFalse(twin.log.contains("node listening"), "it never served, fired or joined")
        let afterwards = Date()
        XCTAssertTrue(try waitUntil(timeout: 10) { try succeededRuns(of: job, since: afterwards) >= 3 }, "the first keeps firing")
        XCTAssertTrue(first.isRunning)
        XCTAssertFalse(first.log.contains("fenced") || first.log.contains("node id in use"),
                       "the first was neither fenced nor pushed out:\n\(first.log)")
    }

    func testANodeRestartedAtOnceAfterKill9UnderTheSameIDWaitsForItsOldLeaseThenFires() throws {
        let (first, client) = try launch(arguments("phoenix"))
        let job = try createJob(client, #"{"name":"beat","frequency":300,"script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try succeededRuns(of: job) >= 2 }, "the node fires")
        first.signal(SIGKILL)
        XCTAssertNotNil(first.waitForExit())
        let killedAt = Date()
        let second = try ServerProcess(arguments: arguments("phoenix"), environment: database.environment)
        nodes.append(second)
        try waitForReady(second)
        XCTAssertTrue(second.log.contains("node lease held by an earlier process with this node id; waiting for it to expire"),
                      "the restarted node says that it waits:\n\(second.log)")
        XCTAssertTrue(second.log.contains("node lease acquired"))
        XCTAssertTrue(try waitUntil(timeout: 15) { try succeededRuns(of: job, since: killedAt) >= 2 },
                      "its job fires again under the same node id:\n\(second.log)")
        XCTAssertEqual(try database.query("SELECT DISTINCT node_id FROM job_run WHERE job_id = \(job)"), "phoenix")
    }

    func testANodeCutOffFromPostgreSQLFencesItselfStopsItsRunAndFiresAgainOnceItRenews() throws {
        let postgresPort = Int(ProcessInfo.processInfo.environment["PGPORT"] ?? "5432") ?? 5432
        let proxy = try FaultProxy(targetPort: postgresPort)
        let (node, client) = try launch(arguments("fenced") + ["--kill-grace", "0.5", "--PGPORT", String(proxy.port)])
        let beat = try createJob(client, #"{"name":"beat","frequency":300,"script":"true"}"#)
        let marker = "fence-\(UUID().uuidString)"
        let long = try createJob(client, #"{"name":"long","frequency":"1h","script":"sleep 30 # \#(marker)"}"#)
        let started = try client.request("POST", "/jobs/\(long)/run")
        let run = try XCTUnwrap(started.object["id"] as? Int, started.bodyText)
        XCTAssertTrue(try waitUntil(timeout: 10) { try database.query("SELECT status FROM job_run WHERE id = \(run)") == "running" })
        try proxy.command("blackhole")
        try node.waitForLog(containing: "node fenced", timeout: 10)
        let readiness = try client.request("GET", "/readyz")
        XCTAssertEqual(readiness.status, 503, "a fenced node is not ready (its PostgreSQL connections hang, not fail)")
        XCTAssertEqual(readiness.object["not_ready"] as? [String], ["lease"], readiness.bodyText)
        XCTAssertTrue(try waitUntil(timeout: 5) { try Subprocess.run("/usr/bin/pgrep", ["-f", marker]).status != 0 },
                      "the fenced node stopped its run while still cut off")
        try proxy.command("pass")
        let healed = Date()
        try node.waitForLog(containing: "firing resumes", timeout: 20)
        // The record waits out the run updates' back-off (up to 5 s) and the pool's reconnection.
        XCTAssertTrue(try waitUntil(timeout: 25) { try database.query("SELECT status FROM job_run WHERE id = \(run)") == "lost" },
                      "the stopped run is recorded lost once PostgreSQL answers:\n\(node.log)")
        XCTAssertTrue(try waitUntil(timeout: 10) { try succeededRuns(of: beat, since: healed) >= 2 }, "the node fires again:\n\(node.log)")
        XCTAssertEqual(node.log.components(separatedBy: "node fenced").count, 2, "the fence is logged once")
    }
}
