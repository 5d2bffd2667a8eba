// When runs become `lost` (issue 12, hole 8, contract 3 and rule 1), with the real binary: a
// node cut off from Redis only keeps its PostgreSQL lease, so its live run is not recorded
// lost and its real result is; a killed node's runs are recorded lost once its lease expired,
// with their retry due when attempts remain; and a result arriving for a row already `lost`
// does not overwrite it.
import Foundation
import XCTest

final class LostRunsTests: NodesTestCase {
    private func arguments(_ id: String, lease: Int = 2) -> [String] {
        ["--node-id", id, "--workers", "1", "--node-lease", String(lease), "--reload-interval", "0.5"]
    }

    private func jobBody(_ fields: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["frequency": "1h"].merging(fields) { $1 }), as: UTF8.self)
    }

    /// Runs a job now on the node behind `client`; the run's id once its script runs.
    private func startRun(_ client: RawClient, job: Int) throws -> Int {
        let response = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(response.status, 201, response.bodyText)
        let run = try XCTUnwrap(response.object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(of: run) == "running" }, "run \(run) starts")
        return run
    }

    private func status(of run: Int) throws -> String {
        try database.query("SELECT status FROM job_run WHERE id = \(run)")
    }

    func testANodeCutOffFromRedisOnlyKeepsItsLeaseSoItsLiveRunIsNotLostAndItsResultIsRecorded() throws {
        let redisPort = Int(ProcessInfo.processInfo.environment["REDISPORT"] ?? "6379") ?? 6379
        let proxy = try FaultProxy(targetPort: redisPort)
        let (_, clientA) = try launch(arguments("a", lease: 3) + ["--REDISPORT", String(proxy.port)])
        let (_, clientB) = try launch(arguments("b", lease: 3))
        let mark = "echo \"$DSCHED_JOB_ID $DSCHED_SCHEDULED_AT $DSCHED_ATTEMPT\" >> \(marks.path)"
        let beat = try createJob(clientA, try jobBody(["name": "beat", "frequency": 300, "script": mark]))
        let long = try createJob(clientA, try jobBody(["name": "long", "script": "sleep 6; echo finished"]))
        let run = try startRun(clientA, job: long)
        try proxy.command("blackhole")
        var seen: [String] = []
        XCTAssertTrue(try waitUntil(timeout: 20) {
            let now = try status(of: run)
            if seen.last != now { seen.append(now) }
            return !["pending", "running"].contains(now)
        }, "the run ends")
        XCTAssertEqual(seen.last, "succeeded", "its real result is recorded; statuses seen: \(seen)")
        XCTAssertFalse(seen.contains("lost"), "it was never recorded lost while it ran: \(seen)")
        XCTAssertEqual(try database.query("SELECT output FROM job_run WHERE id = \(run)"), "finished")
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let members = try clientB.request("GET", "/nodes").object["nodes"] as? [[String: Any]] ?? []
            return members.compactMap { $0["id"] as? String } == ["b"]
        }, "b saw a go: the partition was long enough to fail a over")
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try redis(["HGET", "\(database.name):job_processed", String(beat)]) == "b"
        }, "b owns a's jobs")
        let lines = try String(contentsOf: marks, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 5)
        XCTAssertEqual(Set(lines).count, lines.count, "no tick ran twice")
    }

    func testTheRunsOfAKilledNodeAreRecordedLostOnceItsLeaseExpiredWithTheirRetryDue() throws {
        let (victim, client) = try launch(arguments("victim"))
        try launch(arguments("survivor"))
        let retrying = try createJob(client, try jobBody(["name": "retrying", "retries": 2, "script": "sleep 60"]))
        let once = try createJob(client, try jobBody(["name": "once", "script": "sleep 60"]))
        let orphan = try createJob(client, try jobBody(["name": "orphan", "retries": 2, "script": "sleep 60"]))
        let runs = try [retrying, once, orphan].map { try startRun(client, job: $0) }
        victim.signal(SIGKILL)
        XCTAssertNotNil(victim.waitForExit())
        try database.query("DELETE FROM job WHERE id = \(orphan)")
        XCTAssertTrue(try waitUntil(timeout: 20) { try runs.allSatisfy { try status(of: $0) == "lost" } },
                      "the survivor's sweep records the runs lost")
        // A retry is due (retry_at) or already taken: its claim of attempt 2 clears retry_at.
        let row = { (run: Int) in
            try self.database.query("SELECT r.retry_at IS NOT NULL OR EXISTS (SELECT 1 FROM job_run n WHERE n.job_id = r.job_id "
                                    + "AND n.scheduled_at = r.scheduled_at AND n.attempt = r.attempt + 1), "
                                    + "r.finished_at >= l.expires_at FROM job_run r "
                                    + "JOIN node_lease l ON l.node_id = r.node_id WHERE r.id = \(run)")
        }
        XCTAssertEqual(try row(runs[0]), "t|t", "a job with attempts left: its retry is due; lost only once the lease expired")
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try self.database.query("SELECT count(*) FROM job_run n JOIN job_run r ON n.job_id = r.job_id "
                                    + "AND n.scheduled_at = r.scheduled_at AND n.attempt = 2 WHERE r.id = \(runs[0])") == "1"
        }, "the job's owner runs the retry (attempt 2), once")
        XCTAssertEqual(try row(runs[1]), "f|t", "a job without retries: none")
        XCTAssertEqual(try row(runs[2]), "f|t", "a deleted job's run is lost too, with no retry")
        XCTAssertTrue(try database.query("SELECT output FROM job_run WHERE id = \(runs[0])").contains("node victim holds no lease"))
    }

    func testALateResultForARunAlreadyRecordedLostIsDroppedWithAWarning() throws {
        let (node, client) = try launch(arguments("late"))
        let job = try createJob(client, try jobBody(["name": "late", "script": "sleep 2; echo real result"]))
        let run = try startRun(client, job: job)
        try database.query("UPDATE job_run SET status = 'lost', finished_at = now(), output = 'recorded lost' WHERE id = \(run)")
        let line = try node.waitForLog(containing: "run result dropped")
        XCTAssertTrue(line?.contains("run_id=\(run)") == true, line ?? "")
        XCTAssertTrue(line?.contains("node_id=late") == true, line ?? "")
        XCTAssertEqual(try database.query("SELECT status, output FROM job_run WHERE id = \(run)"), "lost|recorded lost",
                       "lost is final: the late result did not overwrite it")
    }
}
