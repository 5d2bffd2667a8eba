// `dsched jobs …` and `dsched runs …` against a live node: each command once, tables and
// --json, flags and files.
import Foundation
import XCTest

final class CLIJobsTests: CLITestCase {
    func testAddListShowEditPauseResumeAndRemoveAJob() throws {
        try startNode()
        let added = try ok(["jobs", "add", "--name", "backup", "--schedule", "0 3 * * *", "--timezone", "Europe/Paris",
                            "--script", "echo backup", "--timeout", "10m", "--retries", "2"])
        XCTAssertTrue(added.stdout.hasPrefix("ID  NAME    SCHEDULE                NEXT"), added.stdout)
        XCTAssertTrue(added.stdout.contains("backup  0 3 * * * Europe/Paris  in "), added.stdout)

        let shown = try ok(["jobs", "show", "1", "--json"]).object()
        XCTAssertEqual(shown["name"] as? String, "backup")
        XCTAssertEqual(shown["timeout"] as? Int, 600_000)
        XCTAssertEqual(shown["retries"] as? Int, 2)
        let record = try ok(["jobs", "show", "1"]).stdout
        XCTAssertTrue(record.split(separator: "\n").contains { $0.hasPrefix("timeout ") && $0.hasSuffix(" 10m") }, record)
        XCTAssertTrue(record.contains("script:\n  echo backup\n"), record)

        let edited = try ok(["jobs", "edit", "1", "--schedule", "0 4 * * *", "--unset", "timeout", "--json"]).object()
        XCTAssertEqual(edited["frequency"] as? String, "0 4 * * *")
        XCTAssertTrue(edited["timeout"] is NSNull, "--unset sends null")
        XCTAssertEqual(edited["script"] as? String, "echo backup", "fields not given stay as they were")
        XCTAssertEqual(edited["retries"] as? Int, 2)

        XCTAssertTrue(try ok(["jobs", "pause", "1"]).stdout.contains("paused"))
        XCTAssertEqual(try ok(["jobs", "show", "1", "--json"]).object()["paused"] as? Bool, true)
        XCTAssertTrue(try ok(["jobs", "resume", "1"]).stdout.contains("active"))
        XCTAssertEqual(try ok(["jobs", "show", "1", "--json"]).object()["paused"] as? Bool, false)

        XCTAssertEqual(try ok(["jobs", "rm", "1"]).stdout, "removed job 1 backup\n")
        let gone = try cli(["jobs", "show", "1"])
        XCTAssertEqual(gone.status, 1)
        XCTAssertEqual(gone.stderr, "error: HTTP 404 job_not_found: no job with id 1\n")
        XCTAssertEqual(gone.stdout, "")
    }

    func testAddTakesAYAMLFileAJSONArrayAndFlagsOverAFile() throws {
        try startNode()
        let yaml = try temporaryFile("job.yaml", """
            name: from-yaml
            frequency: "*/5 * * * *"
            startdate: 2026-03-29T01:00:00Z
            paused: true
            script: |
              echo one
              echo two
            """)
        let job = try ok(["jobs", "add", "-f", yaml, "--json"]).object()
        XCTAssertEqual(job["frequency"] as? String, "*/5 * * * *")
        XCTAssertEqual(job["startdate"] as? String, "2026-03-29T01:00:00Z")
        XCTAssertEqual(job["script"] as? String, "echo one\necho two")
        XCTAssertEqual(job["paused"] as? Bool, true)

        let renamed = try ok(["jobs", "add", "-f", yaml, "--name", "from-flag", "--json"]).object()
        XCTAssertEqual(renamed["name"] as? String, "from-flag")

        let json = try temporaryFile("jobs.json", #"[{"name":"a","frequency":3600000,"script":"true"},{"name":"b","frequency":"@daily","script":"true"}]"#)
        let jobs = try XCTUnwrap(try ok(["jobs", "add", "-f", json, "--json"]).json() as? [[String: Any]])
        XCTAssertEqual(jobs.map { $0["name"] as? String }, ["a", "b"])

        let patch = try temporaryFile("patch.yaml", "description: changed\nretries: 3\n")
        let patched = try ok(["jobs", "edit", "1", "-f", patch, "--json"]).object()
        XCTAssertEqual(patched["description"] as? String, "changed")
        XCTAssertEqual(patched["retries"] as? Int, 3)
        XCTAssertEqual(patched["name"] as? String, "from-yaml")
    }

    func testListFollowsThePagesToTheEndOrStopsAtTheLimit() throws {
        try startNode()
        // 1,001 paused jobs: more than one page of the API's largest (1,000).
        let batch = "[" + (1...1000).map { #"{"name":"j\#($0)","frequency":"1d","script":"true","paused":true}"# }.joined(separator: ",") + "]"
        _ = try ok(["jobs", "add", "-f", try temporaryFile("batch.json", batch), "--json"])
        _ = try ok(["jobs", "add", "--name", "last", "--schedule", "1d", "--script", "true", "--paused"])

        let all = try ok(["jobs", "list", "--json"]).object()
        XCTAssertEqual((all["jobs"] as? [Any])?.count, 1001)
        XCTAssertTrue(all["next_after"] is NSNull)
        let table = try ok(["jobs", "list"]).stdout.split(separator: "\n")
        XCTAssertEqual(table.count, 1002, "a header and a line per job")
        XCTAssertEqual(table.last?.split(separator: " "), ["1001", "last", "1d", "-", "paused"])

        let some = try ok(["jobs", "list", "--limit", "3", "--json"]).object()
        XCTAssertEqual((some["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [1, 2, 3])
        XCTAssertEqual(some["next_after"] as? Int, 3)

        let named = try ok(["jobs", "list", "--name", "last", "--json"]).object()
        XCTAssertEqual((named["jobs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["last"])
    }

    func testRunNowListShowAndCancelRuns() throws {
        try startNode()
        _ = try ok(["jobs", "add", "--name", "quick", "--schedule", "1h", "--script", "echo hello from the cli"])
        let run = try ok(["jobs", "run", "1", "--json"]).object()
        let runID = try XCTUnwrap(run["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try ok(["runs", "show", "\(runID)", "--json"]).object()["status"] as? String == "succeeded" })
        let shown = try ok(["runs", "show", "\(runID)"]).stdout
        XCTAssertTrue(shown.contains("status            succeeded\n"), shown)
        XCTAssertTrue(shown.hasSuffix("output:\n  hello from the cli\n"), shown)
        let listed = try ok(["runs", "list", "1"]).stdout
        XCTAssertTrue(listed.hasPrefix("ID  STATUS     ATTEMPT  SCHEDULED  DURATION  EXIT  NODE\n"), listed)
        XCTAssertTrue(listed.contains("succeeded        1"), listed)
        let page = try ok(["runs", "list", "1", "--json"]).object()
        XCTAssertEqual((page["runs"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [runID])

        _ = try ok(["jobs", "add", "--name", "slow", "--schedule", "1h", "--script", "sleep 30"])
        let slow = try XCTUnwrap(try ok(["jobs", "run", "2", "--json"]).object()["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 10) { try ok(["runs", "show", "\(slow)", "--json"]).object()["status"] as? String == "running" })
        XCTAssertTrue(try ok(["runs", "cancel", "\(slow)"]).stdout.hasPrefix("cancelling run \(slow) (running on "))
        XCTAssertTrue(try waitUntil(timeout: 10) { try ok(["runs", "show", "\(slow)", "--json"]).object()["status"] as? String == "cancelled" })
        let again = try cli(["runs", "cancel", "\(slow)"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "error: HTTP 409 run_finished: run \(slow) already ended: cancelled\n")
    }

    func testTicksAuditsAJobsWindowAsATableAndAsJSONAndNamesABadField() throws {
        try startNode()
        _ = try ok(["jobs", "add", "--name", "tick", "--schedule", "1s", "--script", "true"])
        XCTAssertTrue(try waitUntil(timeout: 20) {
            ((try ok(["jobs", "ticks", "1", "--json"]).object()["counts"] as? [String: Int])?["succeeded"] ?? 0) >= 2
        })
        let table = try ok(["jobs", "ticks", "1"]).stdout
        XCTAssertTrue(table.hasPrefix("TICK "), table)
        XCTAssertTrue(table.contains("  succeeded  "), table)
        XCTAssertTrue(table.contains("\ncounts: "), table)
        let page = try ok(["jobs", "ticks", "1", "--limit", "1", "--json"]).object()
        XCTAssertEqual((page["ticks"] as? [Any])?.count, 1)
        XCTAssertEqual(page["truncated"] as? Bool, true)
        let bad = try cli(["jobs", "ticks", "1", "--from", "yesterday"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("error: HTTP 400 invalid_value (field from): "), bad.stderr)
    }

    func testNodesAndWorkersShowTablesAndJSON() throws {
        try startNode(["--workers", "2"])
        let nodes = try ok(["nodes"]).stdout
        XCTAssertTrue(nodes.hasPrefix("ID "), nodes)
        XCTAssertTrue(nodes.contains("127.0.0.1:\(server.port)  yes"), nodes)
        let cluster = try ok(["nodes", "--json"]).object()
        XCTAssertEqual((cluster["nodes"] as? [Any])?.count, 1)
        XCTAssertNotNil(cluster["leader"] as? String)

        let workers = try ok(["workers"]).stdout
        XCTAssertTrue(workers.hasSuffix("runs waiting for a worker: 0\n"), workers)
        let answer = try ok(["workers", "--json"]).object()
        XCTAssertEqual((answer["workers"] as? [Any])?.count, 2)
    }
}
