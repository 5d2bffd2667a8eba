// The firing layer end to end: the real binary with its worker processes, a real PostgreSQL.
import Foundation
import XCTest

final class FiringTests: NodesTestCase {
    private func startNode(_ arguments: [String] = []) throws -> (ServerProcess, RawClient) {
        try launch(["--workers", "2", "--reload-interval", "0.5"] + arguments)
    }

    private func runs(_ client: RawClient, job: Int) throws -> [[String: Any]] {
        try client.request("GET", "/jobs/\(job)/runs?limit=1000").object["runs"] as? [[String: Any]] ?? []
    }

    func testAHundredMillisecondJobFiresOnItsGrid() throws {
        let (_, client) = try startNode()
        let job = try createJob(client, #"{"name":"fast","frequency":100,"script":"true"}"#)
        usleep(3_000_000)
        let rows = try database.query("""
            SELECT count(*), count(DISTINCT scheduled_at), count(*) FILTER (WHERE status = 'succeeded'),
                   count(*) FILTER (WHERE (extract(epoch FROM scheduled_at - (SELECT startdate FROM job)) * 1000)::bigint % 100 <> 0)
            FROM job_run WHERE job_id = \(job)
            """).split(separator: "|").map { Int($0)! }
        XCTAssertGreaterThanOrEqual(rows[0], 15, "about 30 ticks in 3 s")
        XCTAssertLessThanOrEqual(rows[0], 31)
        XCTAssertEqual(rows[1], rows[0], "each tick once")
        XCTAssertGreaterThanOrEqual(rows[2], rows[0] - 3, "runs succeed (the last ones may still be running)")
        XCTAssertEqual(rows[3], 0, "every tick is startdate + k·100 ms")
    }

    func testRunRecordsOutputExitCodeAndEnvironment() throws {
        let (_, client) = try startNode()
        let job = try createJob(client, #"{"name":"env check","frequency":"1h","script":"echo $DSCHED_JOB_ID $DSCHED_JOB_NAME; exit 3"}"#)
        let created = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(created.status, 201, created.bodyText)
        let runID = try XCTUnwrap(created.object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)").object["status"] as? String == "failed" })
        let run = try client.request("GET", "/runs/\(runID)").object
        XCTAssertEqual(run["exit_code"] as? Int, 3)
        XCTAssertEqual(run["output"] as? String, "\(job) env check\n")
        XCTAssertNotNil(run["worker_pid"] as? Int)
        XCTAssertNotNil(run["started_at"] as? String)
        XCTAssertNotNil(run["finished_at"] as? String)
        XCTAssertGreaterThan(run["max_rss_kb"] as? Int ?? 0, 0, "the worker's wait4 figures are recorded")
        XCTAssertNotNil(run["cpu_user_ms"] as? Int)
        XCTAssertNotNil(run["cpu_system_ms"] as? Int)
    }

    func testScriptsDoNotSeeTheNodesSecrets() throws {
        var environment = database.environment
        environment["PGPASSWORD"] = "db-secret"
        environment["DSCHED_API_TOKEN"] = "api-secret"
        let server = try ServerProcess(arguments: ["--workers", "1"], environment: environment)
        nodes.append(server)
        let client = try RawClient(port: server.port)
        let auth = ["Authorization": "Bearer api-secret"]
        XCTAssertTrue(try waitUntil(timeout: 20) { try client.request("GET", "/readyz").status == 200 })
        let job = try XCTUnwrap(client.request("POST", "/jobs", json: #"{"name":"snoop","frequency":"1h","script":"env"}"#, headers: auth).object["id"] as? Int)
        let runID = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run", headers: auth).object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)", headers: auth).object["status"] as? String == "succeeded" })
        let output = try XCTUnwrap(client.request("GET", "/runs/\(runID)", headers: auth).object["output"] as? String)
        XCTAssertTrue(output.contains("DSCHED_RUN_ID=\(runID)"))
        XCTAssertFalse(output.contains("db-secret"))
        XCTAssertFalse(output.contains("api-secret"))
    }

    func testOutputIsTruncatedToItsTail() throws {
        let (_, client) = try startNode(["--output-limit", "1000"])
        let job = try createJob(client, #"{"name":"chatty","frequency":"1h","script":"seq 1 2000; echo THE-END"}"#)
        let runID = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run").object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)").object["status"] as? String == "succeeded" })
        let run = try client.request("GET", "/runs/\(runID)").object
        let output = try XCTUnwrap(run["output"] as? String)
        XCTAssertEqual(output.utf8.count, 1000)
        XCTAssertTrue(output.hasSuffix("2000\nTHE-END\n"), "the tail is kept")
        XCTAssertEqual(run["output_truncated"] as? Bool, true)
    }

    func testATimeoutKillsTheScriptsWholeProcessGroup() throws {
        let (_, client) = try startNode(["--kill-grace", "0.5"])
        let pidFile = NSTemporaryDirectory() + "dsched-grandchild-\(UUID().uuidString)"
        defer { unlink(pidFile) }
        let job = try createJob(client, #"{"name":"stuck","frequency":"1h","timeout":300,"script":"sleep 300 & echo $! > \#(pidFile); sleep 300"}"#)
        let runID = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run").object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)").object["status"] as? String == "timed_out" })
        let grandchild = try XCTUnwrap(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertTrue(waitUntil(timeout: 3) { kill(grandchild, 0) != 0 }, "the sleeping grandchild was killed too")
        XCTAssertNotNil(try client.request("GET", "/runs/\(runID)").object["signal"] as? Int)
    }

    func testForbidRecordsSkippedTicksWhileARunIsLive() throws {
        let (_, client) = try startNode()
        let job = try createJob(client, #"{"name":"slow","frequency":200,"concurrency":"forbid","script":"sleep 1"}"#)
        usleep(2_500_000)
        let statuses = try runs(client, job: job).compactMap { $0["status"] as? String }
        XCTAssertTrue(statuses.contains("skipped"), "\(statuses)")
        let live = try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND status IN ('pending', 'running')")
        XCTAssertLessThanOrEqual(Int(live)!, 1, "never two runs at once")
    }

    func testKillingAWorkerMidRunRecordsItLostRetriesItAndRestartsTheWorker() throws {
        let (server, client) = try startNode()
        let job = try createJob(client, #"{"name":"victim","frequency":"1h","retries":1,"retry_backoff":100,"script":"sleep 1"}"#)
        let other = try createJob(client, #"{"name":"bystander","frequency":200,"script":"true"}"#)
        let runID = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run").object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)").object["status"] as? String == "running" })
        let workerPID = try XCTUnwrap(client.request("GET", "/runs/\(runID)").object["worker_pid"] as? Int)
        kill(Int32(workerPID), SIGKILL)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(runID)").object["status"] as? String == "lost" })
        XCTAssertTrue(try waitUntil(timeout: 15) {
            try runs(client, job: job).contains { $0["attempt"] as? Int == 2 && $0["status"] as? String == "succeeded" }
        }, "the lost run was retried")
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let workers = try client.request("GET", "/workers").object["workers"] as? [[String: Any]] ?? []
            return workers.count == 2 && workers.allSatisfy { $0["state"] as? String == "running" }
                && workers.contains { ($0["restarts"] as? Int ?? 0) >= 1 }
        }, "the worker was restarted")
        let before = try runs(client, job: other).count
        usleep(1_000_000)
        XCTAssertGreaterThan(try runs(client, job: other).count, before, "other jobs kept firing")
        XCTAssertTrue(server.log.contains("worker died"))
    }

    func testTwoNodesShareTheJobsAndFireEveryTickExactlyOnce() throws {
        let (_, first) = try startNode()
        let (_, _) = try startNode()
        let jobs = try (0..<8).map { try createJob(first, #"{"name":"shared \#($0)","frequency":100,"script":"true"}"#) }
        usleep(3_000_000)
        for job in jobs {
            let row = try database.query("""
                SELECT count(*), count(DISTINCT scheduled_at),
                       (extract(epoch FROM max(scheduled_at) - min(scheduled_at)) * 1000)::bigint / 100 + 1,
                       count(DISTINCT node_id)
                FROM job_run WHERE job_id = \(job)
                """).split(separator: "|").map { Int($0)! }
            XCTAssertGreaterThan(row[0], 10)
            XCTAssertEqual(row[0], row[1], "no tick twice")
            XCTAssertEqual(row[0], row[2], "no tick missed between the first and the last")
            XCTAssertEqual(row[3], 1, "one owner fires a job")
        }
        XCTAssertEqual(try database.query("SELECT count(DISTINCT node_id) FROM job_run"), "2", "each node owns some of the jobs")
    }

    func testPauseAndDeleteTakeEffectAtOnce() throws {
        let (_, client) = try startNode(["--reload-interval", "60"])
        let job = try createJob(client, #"{"name":"pausable","frequency":100,"script":"true"}"#)
        usleep(700_000)
        XCTAssertEqual(try client.request("POST", "/jobs/\(job)/pause").status, 200)
        usleep(300_000)
        let paused = try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)")
        usleep(700_000)
        XCTAssertEqual(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)"), paused, "no tick while paused")
        XCTAssertEqual(try client.request("POST", "/jobs/\(job)/resume").status, 200)
        usleep(700_000)
        XCTAssertGreaterThan(Int(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)"))!, Int(paused)!)
        XCTAssertEqual(try client.request("DELETE", "/jobs/\(job)").status, 204)
        usleep(300_000)
        let atDeletion = try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)")
        XCTAssertNotEqual(atDeletion, "0", "a deleted job's history stays readable (until retention removes it)")
        usleep(500_000)
        XCTAssertEqual(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job)"), atDeletion, "and it fires no more")
    }

    func testReplaceStopsTheLiveRun() throws {
        let (_, client) = try startNode(["--kill-grace", "0.2"])
        let job = try createJob(client, #"{"name":"replaced","frequency":400,"concurrency":"replace","script":"sleep 5"}"#)
        XCTAssertTrue(try waitUntil(timeout: 5) {
            try runs(client, job: job).contains { $0["status"] as? String == "cancelled" }
        }, "a tick that finds a live run stops it")
    }

    func testMissedTicksRunOnceAfterDowntime() throws {
        var (node, client) = try startNode()
        let job = try createJob(client, #"{"name":"missed","frequency":200,"script":"true"}"#)
        usleep(1_000_000)
        node.signal(SIGKILL)
        _ = node.waitForExit()
        nodes.removeAll()
        let lastBeforeKill = try database.query("SELECT (extract(epoch FROM max(scheduled_at)) * 1000)::bigint FROM job_run WHERE job_id = \(job)")
        usleep(2_000_000)
        let restart = Int64(Date().timeIntervalSince1970 * 1000)
        (node, client) = try startNode()
        // The new node becomes leader (the dead one's lease has lapsed), declares the dead one
        // dead, takes its jobs and runs the latest missed tick.
        usleep(3_000_000)
        func count(_ from: String, _ to: Int64) throws -> Int {
            Int(try database.query("""
                SELECT count(*) FROM job_run WHERE job_id = \(job)
                AND scheduled_at > to_timestamp(\(from) / 1000.0) AND scheduled_at <= to_timestamp(\(to) / 1000.0)
                """))!
        }
        XCTAssertEqual(try count(lastBeforeKill, restart - 250), 0, "the ticks missed while no node ran are not all run")
        XCTAssertGreaterThanOrEqual(try count(lastBeforeKill, restart + 3000), 2, "the latest missed one runs, and the schedule goes on")
    }

    func testOutputWithNULIsRecordedAndLaterResultsStillArrive() throws {
        let (_, client) = try startNode()
        let job = try createJob(client, #"{"name":"binary","frequency":"1h","script":"printf 'a\\0b'"}"#)
        let first = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run").object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(first)").object["status"] as? String == "succeeded" })
        XCTAssertEqual(try client.request("GET", "/runs/\(first)").object["output"] as? String, "ab", "NUL dropped")
        let second = try XCTUnwrap(client.request("POST", "/jobs/\(job)/run").object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try client.request("GET", "/runs/\(second)").object["status"] as? String == "succeeded" })
    }
}
