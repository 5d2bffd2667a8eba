// Which waiting runs of a job may go to a worker (issue 11, row 6): fewer of its runs on the
// workers than its own `max_concurrency` and than the node's `--max-running-per-job`, as its
// latest claimed run carried the limit (so a run-now of a job this node does not own is
// bounded by the job it came with).
import XCTest
@testable import Server

final class JobConcurrencyLimitTests: XCTestCase {
    private func claim(_ tick: Int64) -> TickClaim { TickClaim(jobID: 7, scheduledAt: tick, attempt: 1) }

    func testAJobsOwnLimitBoundsItsRunsOnTheWorkers() {
        var live = LiveRuns()
        live.insert(runID: 1, claim: claim(1), maxConcurrency: 1)
        live.insert(runID: 2, claim: claim(2), maxConcurrency: 1)
        XCTAssertTrue(live.mayDispatch(7, nodeLimit: 8))
        live.dispatched(runID: 1)
        XCTAssertFalse(live.mayDispatch(7, nodeLimit: 8), "a second run while one is on a worker")
        XCTAssertNotNil(live.remove(1))
        XCTAssertTrue(live.mayDispatch(7, nodeLimit: 8), "the first ended: the next may go")
    }

    func testTheNodesCapHoldsWhenTheJobsLimitIsHigherOrUnset() {
        var live = LiveRuns()
        for run in Int64(1)...3 {
            live.insert(runID: run, claim: claim(run), maxConcurrency: 100)
            live.dispatched(runID: run)
        }
        XCTAssertFalse(live.mayDispatch(7, nodeLimit: 3))
        XCTAssertTrue(live.mayDispatch(7, nodeLimit: 4))
        live.insert(runID: 4, claim: claim(4), maxConcurrency: nil)
        XCTAssertFalse(live.mayDispatch(7, nodeLimit: 3), "no limit of its own: the node's")
        XCTAssertTrue(live.mayDispatch(7, nodeLimit: 4))
    }

    func testTheLimitOfTheJobsLatestRunHolds() {
        var live = LiveRuns()
        live.insert(runID: 1, claim: claim(1), maxConcurrency: 3)
        live.dispatched(runID: 1)
        live.insert(runID: 2, claim: claim(2), maxConcurrency: 1)  // PATCHed to 1 meanwhile
        XCTAssertFalse(live.mayDispatch(7, nodeLimit: 8))
        live.insert(runID: 3, claim: claim(3), maxConcurrency: 3)  // and back to 3
        XCTAssertTrue(live.mayDispatch(7, nodeLimit: 8))
    }

    func testOtherJobsAreNotBoundByAJobsLimit() {
        var live = LiveRuns()
        live.insert(runID: 1, claim: claim(1), maxConcurrency: 1)
        live.dispatched(runID: 1)
        live.insert(runID: 2, claim: TickClaim(jobID: 8, scheduledAt: 1, attempt: 1), maxConcurrency: nil)
        XCTAssertFalse(live.mayDispatch(7, nodeLimit: 8))
        XCTAssertTrue(live.mayDispatch(8, nodeLimit: 8))
    }
}
