// Hole 7 of issue 12, over the real binary: a change to a job made by a transaction that
// commits long after it began (its `updated_at` is its start) reaches the owning node at its
// next reload, not only at the next full comparison of every version (15 reloads later).
import Foundation
import XCTest

final class LateCommitReloadTests: SingleNodeTestCase {
    func testAChangeCommittedSecondsAfterItsTransactionBeganIsAppliedAtTheNextReload() throws {
        try start(["--workers", "1", "--reload-interval", "1"])
        let job = try create(#"{"name":"slow commit","frequency":200,"script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try count(job, "true") >= 3 }, "the job fires")
        // Paused by a writer that is not a node (updated_by NULL), in a transaction held open
        // 4 s; the last line is PostgreSQL's clock (ms) right after its commit.
        let committed = try XCTUnwrap(Int64(try database.query("""
            BEGIN; UPDATE job SET paused = true, updated_by = NULL, updated_at = now(), version = version + 1 WHERE id = \(job);
            SELECT pg_sleep(4); COMMIT; SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint
            """).split(separator: "\n").last ?? ""))
        // The next reload is at most 1 s away; 2 s more for the ticks claimed meanwhile.
        usleep(5_000_000)
        let late = try count(job, "scheduled_at > to_timestamp(\(committed + 3_000) / 1000.0)")
        XCTAssertEqual(late, 0, "the paused job stopped firing within a reload of the commit")
        XCTAssertGreaterThan(try count(job, "scheduled_at > to_timestamp(\(committed - 3_000) / 1000.0)"), 0,
                             "it fired while the transaction was open (the change was not seen before its commit)")
    }
}
