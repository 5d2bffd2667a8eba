import XCTest
@testable import Worker

final class RunQueueTests: XCTestCase {
    private func request(_ runID: Int64) -> WorkerMessage.RunRequest {
        WorkerMessage.RunRequest(runID: runID, jobID: 1, jobName: "j", attempt: 1, scheduledAt: "", script: "true",
                                 timeoutMilliseconds: nil, outputLimit: 0)
    }

    func testDequeuesInTheOrderEnqueuedAndDropsNone() {
        var queue = RunQueue()
        var out: [Int64] = []
        // Interleaved, and long: order holds across many enqueues and dequeues.
        for runID in 0..<10_000 as Range<Int64> {
            queue.enqueue(request(runID))
            if runID % 3 == 0, let next = queue.dequeue() { out.append(next.runID) }
        }
        while let next = queue.dequeue() { out.append(next.runID) }
        XCTAssertEqual(out, Array(0..<10_000))
        XCTAssertTrue(queue.isEmpty)
    }

    func testRemovesAWaitingRunFromTheMiddle() {
        var queue = RunQueue()
        (1...4).forEach { queue.enqueue(request(Int64($0))) }
        _ = queue.dequeue()
        XCTAssertNil(queue.remove(runID: 1), "already dequeued")
        XCTAssertTrue(queue.contains(runID: 3))
        XCTAssertEqual(queue.remove(runID: 3)?.runID, 3)
        XCTAssertFalse(queue.contains(runID: 3))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.dequeue()?.runID, 2)
        XCTAssertEqual(queue.dequeue()?.runID, 4)
        XCTAssertNil(queue.dequeue())
    }
}
