// Run retention against a live node (issue 13, item 4): keep_runs is validated and honoured,
// runs older than --run-retention go, a deleted job's runs go too, and what must stay stays —
// a job's latest tick (misfire reads it when a node takes the job: without it a restarted
// node ran that tick again), live runs and runs whose retry is due.
import Foundation
import XCTest

final class RetentionTests: SingleNodeTestCase {
    private func ids(_ job: Int) throws -> [Int] {
        try database.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM job_run WHERE job_id = \(job)")
            .split(separator: ",").compactMap { Int($0) }
    }

    /// Inserts a finished run of `job` ticked `ago` before now; its id.
    private func insertRun(_ job: Int, ago: String, status: String = "succeeded", retryIn: String? = nil) throws -> Int {
        let retry = retryIn.map { "now() + interval '\($0)'" } ?? "NULL"
        return Int(try database.query("""
            INSERT INTO job_run (job_id, scheduled_at, status, started_at, finished_at, retry_at)
            VALUES (\(job), now() - interval '\(ago)', '\(status)', now() - interval '\(ago)', now() - interval '\(ago)', \(retry)) RETURNING id
            """).split(separator: "\n").first ?? "") ?? -1
    }

    func testKeepRunsIsValidatedShownAndPatchable() throws {
        try start()
        for (bad, code) in [("0", "invalid_value"), ("1000001", "invalid_value"), ("-3", "invalid_value"), ("\"5\"", "wrong_type"),
                            ("2.5", "wrong_type")] {
            let response = try client.request("POST", "/jobs", json: #"{"name":"k","frequency":"1h","script":"true","keep_runs":\#(bad)}"#)
            XCTAssertEqual(response.status, 400, bad)
            let error = response.object["error"] as? [String: Any]
            XCTAssertEqual(error?["field"] as? String, "keep_runs", bad)
            XCTAssertEqual(error?["code"] as? String, code, bad)
        }
        let job = try create(#"{"name":"k","frequency":"1h","script":"true"}"#)
        XCTAssertTrue(try client.request("GET", "/jobs/\(job)").object["keep_runs"] is NSNull, "null when unset: the node's default")
        let patched = try client.request("PATCH", "/jobs/\(job)", json: #"{"keep_runs":1000000}"#)
        XCTAssertEqual(patched.object["keep_runs"] as? Int, 1_000_000, patched.bodyText)
        XCTAssertEqual(try client.request("PATCH", "/jobs/\(job)", json: #"{"keep_runs":null}"#).object["keep_runs"] as? NSNull, NSNull())
    }

    func testAJobKeepsItsNewestKeepRunsRuns() throws {
        try start()
        let job = try create(#"{"name":"k","frequency":"100ms","script":"true","keep_runs":5}"#)
        XCTAssertTrue(try waitUntil(timeout: 20) { try count(job, "true") >= 15 })
        XCTAssertEqual(try client.request("POST", "/jobs/\(job)/pause").status, 200)
        let newest = Array(try ids(job).suffix(5))
        XCTAssertTrue(try waitUntil(timeout: 40) { try count(job, "true") == 5 }, "pruned down to keep_runs")
        XCTAssertEqual(try ids(job), newest, "the newest five stay")
    }

    func testATickAuditPageCountsOnlyTicksAfterThePruneHorizon() throws {
        try start()
        let job = try create(#"{"name":"k","frequency":"100ms","script":"true","keep_runs":5}"#)
        XCTAssertTrue(try waitUntil(timeout: 40) {
            try count(job, "true") <= 10
                && database.query("SELECT count(*) FROM job_run_horizon WHERE job_id = \(job)") == "1"
        }, "retention pruned the first runs")
        let page = try client.request("GET", "/jobs/\(job)/ticks?limit=3").object
        let ticks = try XCTUnwrap(page["ticks"] as? [[String: Any]])
        XCTAssertEqual(ticks.count, 3, "the ticks hidden below the horizon are not counted against the limit: \(page)")
        XCTAssertEqual(ticks.first?["outcome"] as? String, "succeeded", "the first tick listed is the first one kept")
    }

    func testRunsOlderThanTheRetentionGoButTheLatestTickStaysAndADeletedJobsRunsGoToo() throws {
        try start(["--run-retention", "1s"])
        let job = try create(#"{"name":"old","frequency":"1h","script":"true"}"#)
        let oldest = try insertRun(job, ago: "3 days")
        _ = try insertRun(job, ago: "2 days")
        let latest = try insertRun(job, ago: "1 day")
        let deleted = try create(#"{"name":"gone","frequency":"1h","script":"true"}"#)
        _ = try insertRun(deleted, ago: "2 days")
        _ = try insertRun(deleted, ago: "1 day")
        XCTAssertEqual(try client.request("DELETE", "/jobs/\(deleted)").status, 204)
        XCTAssertTrue(try waitUntil(timeout: 40) { try ids(job) == [latest] && ids(deleted).isEmpty },
                      "left: \((try? ids(job)) ?? []) of job \(job) (oldest \(oldest)), \((try? ids(deleted)) ?? []) of the deleted job")
    }

    func testLiveRunsAndRunsWithADueRetryAreNeverPruned() throws {
        try start(["--run-retention", "1s"])
        let job = try create(#"{"name":"live","frequency":"1h","script":"sleep 60","keep_runs":1}"#)
        let retrying = try insertRun(job, ago: "2 days", status: "failed", retryIn: "1 day")
        let pruned = try insertRun(job, ago: "2 days")
        let live = try runNow(job)
        XCTAssertTrue(try waitUntil(timeout: 10) { try run(live)["status"] as? String == "running" })
        XCTAssertTrue(try waitUntil(timeout: 40) { try !ids(job).contains(pruned) }, "a pass went through the job")
        XCTAssertEqual(try ids(job), [retrying, live], "older than the retention, but live or with a retry due")
    }

    func testARestartedNodeDoesNotRunAPrunedJobsLatestTickAgain() throws {
        try start(["--run-retention", "1s"])
        // The first tick is 5 s away, the second a minute later: none is due while the node restarts.
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-55))
        let job = try create(#"{"name":"tick","frequency":"1m","misfire":"run_once","script":"true","startdate":"\#(start)"}"#)
        XCTAssertTrue(try waitUntil(timeout: 20) { try count(job, "status = 'succeeded' AND finished_at < now() - interval '2 s'") == 1 })
        let ran = try ids(job)
        // A witness: a job whose old run the next pass prunes, after the tick's run was old enough.
        let witness = try create(#"{"name":"witness","frequency":"1h","script":"true"}"#)
        let old = try insertRun(witness, ago: "2 days")
        _ = try insertRun(witness, ago: "1 day")
        XCTAssertTrue(try waitUntil(timeout: 40) { try !ids(witness).contains(old) }, "a pass ran")
        XCTAssertEqual(try ids(job), ran, "the latest tick's run stays")
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(), 0)
        try self.start(["--run-retention", "1s"])
        XCTAssertNotNil(try server.waitForLog(containing: "jobs adopted"))
        usleep(2_000_000)
        XCTAssertEqual(try ids(job), ran, "the node that took the job knew its latest tick ran: nothing ran again")
    }
}

