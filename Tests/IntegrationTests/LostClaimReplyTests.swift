// Hole 1 of issue 12, over the real binary: a claim whose COMMIT succeeded but whose reply was
// lost. The node reaches PostgreSQL through a FaultProxy that lets the server run one claim
// statement and then drops the connection instead of forwarding its reply; the tick's row is
// committed `pending`, and the node must still run that tick, once. (`dsched_claim_ticks_*`
// names the claim statement whatever its version.)
import Foundation
import XCTest

final class LostClaimReplyTests: SingleNodeTestCase {
    private var proxy: FaultProxy!

    override func tearDown() {
        super.tearDown()
        proxy = nil
    }

    private func startBehindProxy() throws {
        let environment = ProcessInfo.processInfo.environment
        proxy = try FaultProxy(targetHost: environment["PGHOST"] ?? "127.0.0.1", targetPort: Int(environment["PGPORT"] ?? "") ?? 5432)
        try start(["--workers", "1", "--PGPORT", String(proxy.port)])
    }

    func testATickWhoseClaimCommittedButLostItsReplyRunsExactlyOnceAndNoRowStaysPending() throws {
        try startBehindProxy()
        let ranFile = NSTemporaryDirectory() + "dsched-lost-reply-\(UUID().uuidString)"
        defer { unlink(ranFile) }
        let job = try create(#"{"name":"ticker","frequency":500,"script":"echo $DSCHED_RUN_ID >> \#(ranFile)"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try count(job, "status = 'succeeded'") >= 1 }, "the job runs")
        try proxy.command("cut-after dsched_claim_ticks_*")
        XCTAssertTrue(try waitUntil(timeout: 10) { try proxy.cuts() == 1 }, "a claim committed and its reply was cut")
        // Ticks go on after the cut (the node reconnects); then the job is paused so that every
        // row can end.
        XCTAssertTrue(waitUntil(timeout: 10) { server.log.contains("claiming ticks that waited for the store") })
        usleep(1_500_000)
        XCTAssertEqual(try client.request("PATCH", "/jobs/\(job)", json: #"{"paused":true}"#).status, 200)
        let ended = try waitUntil(timeout: 10) { try count(job, "status IN ('pending', 'running')") == 0 }
        let unfinished = try database.query("SELECT id, status FROM job_run WHERE job_id = \(job) AND status IN ('pending', 'running')")
        XCTAssertTrue(ended, "no row stays pending: \(unfinished)")
        let rows = try database.query("""
            SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'),
                   (extract(epoch FROM max(scheduled_at) - min(scheduled_at)) * 1000)::bigint / 500 + 1
            FROM job_run WHERE job_id = \(job)
            """).split(separator: "|").map { Int($0) ?? -1 }
        XCTAssertEqual(rows[1], rows[0], "every tick ran and succeeded, the one whose reply was lost too")
        XCTAssertEqual(rows[0], rows[2], "every tick from the first to the last has its row: none was given up")
        let succeeded = try database.query("SELECT id FROM job_run WHERE job_id = \(job) ORDER BY id").split(separator: "\n").map(String.init)
        let ran = (try String(contentsOfFile: ranFile, encoding: .utf8)).split(separator: "\n").map(String.init).sorted { Int($0)! < Int($1)! }
        XCTAssertEqual(ran, succeeded, "each run's script ran exactly once")
    }

    func testARunNowWhoseClaimReplyWasLostIsAnswered503AndItsRowIsRecordedLostNotRun() throws {
        try startBehindProxy()
        let ranFile = NSTemporaryDirectory() + "dsched-lost-run-now-\(UUID().uuidString)"
        defer { unlink(ranFile) }
        let job = try create(#"{"name":"hourly","frequency":"1h","script":"echo ran >> \#(ranFile)"}"#)
        try proxy.command("cut-after dsched_claim_ticks_*")
        let answer = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(answer.status, 503, answer.bodyText)
        XCTAssertEqual(try proxy.cuts(), 1)
        XCTAssertEqual(try count(job, "status = 'pending'"), 1, "the claim was committed")
        // Orphans are swept every 5 s once 10 s old.
        let swept = try waitUntil(timeout: 25) { try count(job, "status = 'lost'") == 1 }
        let status = try database.query("SELECT status FROM job_run WHERE job_id = \(job)")
        XCTAssertTrue(swept, "the orphaned row is recorded lost, not \(status)")
        XCTAssertEqual(try database.query("SELECT output LIKE '%claim%never arrived%it was not run' AND finished_at IS NOT NULL FROM job_run WHERE job_id = \(job)"), "t",
                       "its output says why")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ranFile), "a run-now answered 503 is not started behind its client's back")
    }
}
