// `concurrency: forbid` and `replace` hold across nodes (issue 12, hole 4), over two real
// nodes. forbid: a job whose run lasts several ticks moves (its owner stops gracefully, handing
// its jobs back at once while its run goes on under a long --shutdown-grace); the new owner
// records each tick `skipped`, naming the run and node still going, until that run ends, and no
// two runs of the job overlap (scripts log their start and end times to a file). replace: a
// run of the job on the node that does not own it (a run-now served there) is cancelled by the
// owner's next tick.
import Foundation
import XCTest

final class ConcurrencyAcrossNodesTests: NodesTestCase {
    /// [start, end] in epoch ns of each run the scripts logged, by run id; a run still going
    /// has no end.
    private func intervals() throws -> [Int: (start: Int64, end: Int64?)] {
        var runs: [Int: (start: Int64, end: Int64?)] = [:]
        for line in try String(contentsOf: marks, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let run = Int(fields[0]), let at = Int64(fields[2]) else { continue }
            if fields[1] == "start" {
                runs[run] = (at, runs[run]?.end)
            } else {
                runs[run] = (runs[run]?.start ?? at, at)
            }
        }
        return runs
    }

    /// Nodes "a" and "b" of one cluster; their processes and clients by id.
    private func twoNodes() throws -> [String: (server: ServerProcess, client: RawClient)] {
        var nodes: [String: (server: ServerProcess, client: RawClient)] = [:]
        for id in ["a", "b"] {
            nodes[id] = try launchMember(id, ["--workers", "1", "--reload-interval", "0.5", "--shutdown-grace", "30"])
        }
        return nodes
    }

    func testANewOwnerSkipsTicksWhileTheOldOwnersRunGoesOnAndNoRunsOverlap() throws {
        let nodes = try twoNodes()
        let job = try createJob(nodes["a"]!.client, """
            {"name":"long","frequency":"1s","concurrency":"forbid",
             "script":"echo \\"$DSCHED_RUN_ID start $(date +%s%N)\\" >> \(marks.path); sleep 5; echo \\"$DSCHED_RUN_ID end $(date +%s%N)\\" >> \(marks.path)"}
            """)
        let first = try waitForOwner(of: job)
        let second = first == "a" ? "b" : "a"
        XCTAssertTrue(try waitUntil(timeout: 20) { try !intervals().isEmpty }, "a run starts on \(first)")

        // The owner stops: its jobs go to the other node at once, its run goes on for seconds.
        nodes[first]!.server.signal(SIGTERM)
        XCTAssertTrue(try waitUntil(timeout: 10) { try redis(["HGET", "\(database.name):job_processed", String(job)]) == second },
                      "the job moves to \(second)")
        XCTAssertTrue(try waitUntil(timeout: 30) {
            try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND node_id = '\(second)' AND status = 'succeeded'") != "0"
        }, "\(second) runs the job once the old run ended")
        XCTAssertEqual(nodes[first]!.server.waitForExit(), 0)

        let skipped = try database.query("""
            SELECT DISTINCT output FROM job_run WHERE job_id = \(job) AND node_id = '\(second)' AND status = 'skipped'
              AND output LIKE 'forbid: run %'
            """)
        let oldRun = try database.query("SELECT min(id) FROM job_run WHERE job_id = \(job) AND node_id = '\(first)' AND status = 'succeeded'")
        XCTAssertEqual(skipped, "forbid: run \(oldRun) of this job is live on node \(first)",
                       "\(second) recorded the ticks it skipped, naming the run and node still going")
        let runs = try intervals().sorted { $0.value.start < $1.value.start }
        XCTAssertGreaterThanOrEqual(runs.count, 2)
        for (earlier, later) in zip(runs, runs.dropFirst()) {
            let end = try XCTUnwrap(earlier.value.end, "run \(earlier.key) ended before run \(later.key) started")
            XCTAssertLessThanOrEqual(end, later.value.start, "run \(later.key) started before run \(earlier.key) ended")
        }
    }

    func testAReplaceJobsTickCancelsItsRunOnAnotherNode() throws {
        let nodes = try twoNodes()
        // Every 3 s from now: the first tick comes about 3 s after the run-now below.
        let start = ISO8601DateFormatter().string(from: Date())
        let job = try createJob(nodes["a"]!.client, """
            {"name":"replaced","frequency":"3s","startdate":"\(start)","concurrency":"replace","script":"sleep 60"}
            """)
        let owner = try waitForOwner(of: job)
        let other = owner == "a" ? "b" : "a"
        let response = try nodes[other]!.client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(response.status, 201, response.bodyText)
        let runNow = try XCTUnwrap(response.object["id"] as? Int)
        XCTAssertTrue(try waitUntil(timeout: 20) {
            try database.query("SELECT status FROM job_run WHERE id = \(runNow)") == "cancelled"
        }, "the owner's tick had the run on \(other) cancelled")
        XCTAssertEqual(try database.query("SELECT node_id FROM job_run WHERE id = \(runNow)"), other)
        // Cancelled from the owner, not by a tick of \(other)'s own (had the job moved there).
        XCTAssertEqual(try redis(["HGET", "\(database.name):job_processed", String(job)]), owner, "the job stayed on \(owner)")
        XCTAssertEqual(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND node_id = '\(other)'"), "1",
                       "\(other) ran only the run-now")
        XCTAssertNotEqual(try database.query("""
            SELECT count(*) FROM job_run WHERE job_id = \(job) AND node_id = '\(owner)' AND status IN ('running', 'succeeded')
            """), "0", "the owner runs its tick")
    }
}
