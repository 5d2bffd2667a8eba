// The fair queue of runs waiting for a worker slot: round-robin by job, bounded per job and
// in all, and jobs at their concurrency limit passed over without losing their turn.
@testable import Server
import XCTest

final class FairQueueTests: XCTestCase {
    func testJobsAreServedInTurnNotInArrivalOrder() {
        var queue = FairQueue<String>(limit: 100, perJobLimit: 10)
        ["a1", "a2", "a3"].forEach { queue.append($0, jobID: 1) }
        queue.append("b1", jobID: 2)
        queue.append("c1", jobID: 3)
        var order: [String] = []
        while let item = queue.pop() { order.append(item) }
        XCTAssertEqual(order, ["a1", "b1", "c1", "a2", "a3"])
        XCTAssertTrue(queue.isEmpty)
    }

    func testAJobPastItsBoundIsRefusedAndTheOthersAreNot() {
        var queue = FairQueue<Int>(limit: 100, perJobLimit: 2)
        XCTAssertTrue(queue.append(1, jobID: 1))
        XCTAssertTrue(queue.append(2, jobID: 1))
        XCTAssertEqual(queue.refusal(for: 1), .jobFull)
        XCTAssertFalse(queue.append(3, jobID: 1))
        XCTAssertNil(queue.refusal(for: 2))
        XCTAssertTrue(queue.append(4, jobID: 2))
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.count(of: 1), 2)
    }

    func testTheNodeBoundHoldsWhateverTheJobs() {
        var queue = FairQueue<Int>(limit: 3, perJobLimit: 10)
        (1...3).forEach { queue.append($0, jobID: Int64($0)) }
        XCTAssertEqual(queue.refusal(for: 9), .nodeFull)
        XCTAssertFalse(queue.append(9, jobID: 9))
        _ = queue.pop()
        XCTAssertNil(queue.refusal(for: 9))
    }

    func testJobsThatMayNotStartArePassedOverAndKeepTheirTurn() {
        var queue = FairQueue<String>(limit: 100, perJobLimit: 10)
        queue.append("a1", jobID: 1)
        queue.append("b1", jobID: 2)
        queue.append("b2", jobID: 2)
        XCTAssertEqual(queue.pop(where: { $0 != 1 }), "b1")
        XCTAssertEqual(queue.pop(where: { $0 != 1 }), "b2")
        XCTAssertNil(queue.pop(where: { $0 != 1 }), "only job 1 waits, and it may not start")
        XCTAssertEqual(queue.pop(), "a1")
    }

    func testRemovingAJobDropsAllItsRuns() {
        var queue = FairQueue<String>(limit: 100, perJobLimit: 10)
        queue.append("a1", jobID: 1)
        queue.append("b1", jobID: 2)
        queue.append("a2", jobID: 1)
        XCTAssertEqual(queue.removeAll(of: 1), ["a1", "a2"])
        XCTAssertEqual(queue.count, 1)
        XCTAssertEqual(queue.pop(), "b1")
        XCTAssertNil(queue.pop())
    }
}
