// A node that stops (SIGTERM) leaves no run of its own `pending` or `running` in job_run:
// the runs still waiting for a worker slot and the runs its workers were stopped under are
// recorded (cancelled or lost) before it exits. A clean leave is not a death, so no leader
// records them later, and only a node restarted with the same id would.
import Foundation
import XCTest

final class StopRecordsRunsTests: XCTestCase {
    func testAStoppedNodeLeavesNoRunPendingOrRunning() throws {
        let database = try TestDatabase()
        // Two slots: a job may hold one (half), so its later runs wait for a slot.
        let server = try ServerProcess(arguments: ["--workers", "1", "--worker-concurrency", "2", "--kill-grace", "0.5",
                                                   "--shutdown-grace", "1"], environment: database.environment)
        try waitForReady(server)
        let client = try RawClient(port: server.port)
        let created = try client.request("POST", "/jobs", json: #"{"name":"hang","frequency":"1h","script":"sleep 1000"}"#)
        XCTAssertEqual(created.status, 201, created.bodyText)
        let job = try XCTUnwrap(created.object["id"] as? Int)
        for _ in 0..<3 {
            XCTAssertEqual(try client.request("POST", "/jobs/\(job)/run").status, 201)
            usleep(20_000)
        }
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND status = 'running'") == "1"
        }, "one run holds the job's slot, two wait")
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 20), 0)
        let unfinished = try database.query(
            "SELECT coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '') FROM job_run WHERE status IN ('pending', 'running')")
        XCTAssertEqual(unfinished, "", "every run of the stopped node is recorded")
    }
}
