// Retries outlive the node that decided them (issue 12, hole 5), over two real nodes: a retry
// is recorded with the failed run (job_run.retry_at), so when the job moves before it is due
// the new owner runs it at its due time, once; and a run recorded `lost` with a retry_at (what
// the lease sweep writes for a dead node's runs) is retried by the job's owner. Scripts append
// their attempt to a file, so "once" is checked on what ran, not only on the rows.
import Foundation
import XCTest

final class RetriesAcrossNodesTests: NodesTestCase {
    /// Nodes "a" and "b" of one cluster; their processes and clients by id.
    private func twoNodes() throws -> [String: (server: ServerProcess, client: RawClient)] {
        var nodes: [String: (server: ServerProcess, client: RawClient)] = [:]
        for id in ["a", "b"] {
            nodes[id] = try launchMember(id, ["--workers", "1", "--reload-interval", "0.5"])
        }
        return nodes
    }

    private func markedLines() throws -> [String] {
        try String(contentsOf: marks, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func row(_ job: Int, attempt: Int, _ columns: String) throws -> String {
        try database.query("SELECT \(columns) FROM job_run WHERE job_id = \(job) AND attempt = \(attempt) ORDER BY id")
    }

    func testARetryDueAfterItsJobMovedRunsOnTheNewOwnerAtItsDueTimeOnce() throws {
        let nodes = try twoNodes()
        // Hourly, its first tick in 2 s (the first tick is one period after the start).
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2 - 3600))
        let job = try createJob(nodes["a"]!.client, """
            {"name":"fails","frequency":"1h","startdate":"\(start)","retries":1,"retry_backoff":"8s",
             "script":"echo $DSCHED_ATTEMPT >> \(marks.path); exit 3"}
            """)
        let first = try waitForOwner(of: job)
        let second = first == "a" ? "b" : "a"
        XCTAssertTrue(try waitUntil(timeout: 20) { try row(job, attempt: 1, "status") == "failed" }, "attempt 1 fails on \(first)")
        XCTAssertEqual(try row(job, attempt: 1, "node_id"), first)
        XCTAssertEqual(try row(job, attempt: 1, "retry_at IS NOT NULL"), "t", "the failed run records when its retry is due")
        let due = try row(job, attempt: 1, "(extract(epoch FROM finished_at) * 1000)::bigint + 8000")

        // The owner stops gracefully before the retry is due: the job moves to the other node.
        nodes[first]!.server.signal(SIGTERM)
        XCTAssertEqual(nodes[first]!.server.waitForExit(), 0)
        XCTAssertTrue(try waitUntil(timeout: 10) { try redis(["HGET", "\(database.name):job_processed", String(job)]) == second },
                      "the job moves to \(second)")
        XCTAssertTrue(try waitUntil(timeout: 25) { try row(job, attempt: 2, "status") == "failed" }, "attempt 2 runs on \(second)")
        usleep(1_500_000)
        XCTAssertEqual(try row(job, attempt: 2, "node_id"), second, "the new owner ran the retry")
        XCTAssertEqual(try row(job, attempt: 2, "(extract(epoch FROM started_at) * 1000)::bigint >= \(due)"), "t",
                       "the retry did not start before it was due")
        XCTAssertEqual(try markedLines(), ["1", "2"], "each attempt ran once (retries: 1, so none after the second)")
        XCTAssertEqual(try row(job, attempt: 1, "retry_at IS NULL"), "t", "claiming attempt 2 cleared attempt 1's retry_at")
        XCTAssertEqual(try row(job, attempt: 2, "retry_at IS NULL"), "t", "the last attempt has no retry")
    }

    func testALostRunWithARetryDueIsRetriedByTheJobsOwnerAndADeletionClearsTheRest() throws {
        let nodes = try twoNodes()
        let start = ISO8601DateFormatter().string(from: Date())
        let job = try createJob(nodes["a"]!.client, """
            {"name":"was on a dead node","frequency":"1h","startdate":"\(start)","retries":2,
             "script":"echo $DSCHED_ATTEMPT >> \(marks.path)"}
            """)
        let owner = try waitForOwner(of: job)
        // What the lease sweep writes for a dead node's running run: lost, retry due now; and a
        // second one whose retry is due in an hour.
        try database.query("""
            INSERT INTO job_run (job_id, scheduled_at, attempt, node_id, status, started_at, finished_at, retry_at) VALUES
                (\(job), date_trunc('second', now()) - interval '60 s', 1, 'dead', 'lost', now() - interval '50 s', now(), now()),
                (\(job), date_trunc('second', now()) - interval '30 s', 1, 'dead', 'lost', now() - interval '20 s', now(),
                 now() + interval '1 hour')
            """)
        XCTAssertTrue(try waitUntil(timeout: 15) { try row(job, attempt: 2, "status") == "succeeded" }, "the owner retries the lost run")
        usleep(2_500_000)
        XCTAssertEqual(try row(job, attempt: 2, "node_id"), owner)
        XCTAssertEqual(try row(job, attempt: 2, "scheduled_at = date_trunc('second', scheduled_at)"), "t", "the lost run's tick")
        XCTAssertEqual(try markedLines(), ["2"], "attempt 2 ran once")
        XCTAssertEqual(try row(job, attempt: 1, "retry_at IS NULL"), "t\nf", "the taken retry is cleared, the later one waits")

        XCTAssertEqual(try nodes[owner]!.client.request("DELETE", "/jobs/\(job)").status, 204)
        XCTAssertEqual(try row(job, attempt: 1, "retry_at IS NULL"), "t\nt", "deleting the job cleared its waiting retry")
    }
}
