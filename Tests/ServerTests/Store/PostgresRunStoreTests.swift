import XCTest
@testable import Server

final class PostgresRunStoreTests: XCTestCase {
    private func update(_ id: Int64, _ status: Run.Status, pid: Int32? = nil, started: Int64? = nil, finished: Int64? = nil) -> Run {
        Run(id: id, jobID: 1, scheduledAt: 0, attempt: 1, nodeID: nil, workerPID: pid, status: status, startedAt: started,
            finishedAt: finished, exitCode: nil, signal: nil, output: "", outputTruncated: false)
    }

    func testStartedAndFinishedOfOneRunInOneBatchBecomeOneUpdate() {
        let merged = PostgresRunStore.merged([update(1, .running, pid: 7, started: 100), update(2, .running, pid: 8, started: 101),
                                              update(1, .succeeded, finished: 150)])
        XCTAssertEqual(merged.map(\.id), [1, 2])
        XCTAssertEqual(merged[0].status, .succeeded)
        XCTAssertEqual(merged[0].workerPID, 7)
        XCTAssertEqual(merged[0].startedAt, 100)
        XCTAssertEqual(merged[0].finishedAt, 150)
        XCTAssertEqual(merged[1].status, .running)
    }

    func testAStartedUpdateAfterTheFinishedOneDoesNotUndoIt() {
        let merged = PostgresRunStore.merged([update(3, .failed, finished: 10), update(3, .running, pid: 9, started: 5)])
        XCTAssertEqual(merged.count, 1)
        XCTAssertEqual(merged[0].status, .failed)
        XCTAssertEqual(merged[0].workerPID, 9)
        XCTAssertEqual(merged[0].startedAt, 5)
    }

    func testAFailedRunsRetryAtSurvivesMergingWithItsStartedUpdateInEitherOrder() {
        var failed = update(4, .failed, finished: 10)
        failed.retryAt = 8_010
        XCTAssertEqual(PostgresRunStore.merged([failed, update(4, .running, pid: 9, started: 5)]).map(\.retryAt), [8_010])
        XCTAssertEqual(PostgresRunStore.merged([update(4, .running, pid: 9, started: 5), failed]).map(\.retryAt), [8_010])
    }

    func testTheRunsToReplaceElsewhereAreReadFromTheClaimsExtraColumn() {
        XCTAssertEqual(PostgresRunStore.runsElsewhere("12 node-a,15 b.2"), [12: "node-a", 15: "b.2"])
        XCTAssertEqual(PostgresRunStore.runsElsewhere(nil), [:], "no run unfinished elsewhere (or not a replace claim)")
    }
}
