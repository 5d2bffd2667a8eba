// The timing wheel's contract on small, explicit cases: the worked example of its doc
// comment, never early, overdue timers, ties, cancel and re-arm, idle and far-future wheels.

@testable import Server
import XCTest

final class TimingWheelTests: XCTestCase {
    private func advance(_ wheel: inout TimingWheel<Int>, to time: Int64) -> [Int] {
        var expired: [TimingWheel<Int>.Expired] = []
        wheel.advance(to: time, into: &expired)
        return expired.map(\.payload)
    }

    func testWorkedExampleOfTheDocComment() {
        var wheel = TimingWheel<Int>(now: 0)
        wheel.schedule(1, at: 5)
        wheel.schedule(2, at: 10_000)
        wheel.schedule(3, at: 3_000_000_000)
        XCTAssertEqual(wheel.nextExpiry(), 5)
        XCTAssertEqual(advance(&wheel, to: 9000), [1])
        XCTAssertEqual(wheel.now, 9000)
        XCTAssertEqual(wheel.nextExpiry(), 10_000, "B was cascaded to level 0 slot 1808")
        XCTAssertEqual(advance(&wheel, to: 10_000), [2])
        XCTAssertEqual(wheel.nextExpiry(), 2_986_344_448, "level 2 slot 178 starts there")
        XCTAssertEqual(advance(&wheel, to: 2_986_344_448), [])
        XCTAssertEqual(wheel.nextExpiry(), 2_999_996_416, "cascaded to level 1 slot 3333")
        XCTAssertEqual(advance(&wheel, to: 2_999_996_416), [])
        XCTAssertEqual(wheel.nextExpiry(), 3_000_000_000)
        XCTAssertEqual(advance(&wheel, to: 2_999_999_999), [])
        XCTAssertEqual(advance(&wheel, to: 3_000_000_000), [3])
        XCTAssertNil(wheel.nextExpiry())
        XCTAssertEqual(wheel.count, 0)
    }

    func testATimerNeverFiresBeforeItsDeadline() {
        for deadline: Int64 in [1, 63, 64, 4095, 4096, 4097, 16_777_216, 3_600_000, 68_719_476_736, 86_400_000 * 400] {
            var wheel = TimingWheel<Int>(now: 0)
            wheel.schedule(7, at: deadline)
            XCTAssertEqual(advance(&wheel, to: deadline - 1), [], "deadline \(deadline)")
            XCTAssertEqual(advance(&wheel, to: deadline), [7], "deadline \(deadline)")
        }
    }

    func testAlreadyDueTimersFireAtTheNextAdvanceInDeadlineOrder() {
        var wheel = TimingWheel<Int>(now: 100)
        wheel.schedule(1, at: 101)
        wheel.schedule(2, at: 50)
        wheel.schedule(3, at: 100)
        wheel.schedule(4, at: 30)
        wheel.schedule(5, at: 50)
        XCTAssertEqual(wheel.nextExpiry(), 100, "due now")
        XCTAssertEqual(advance(&wheel, to: 100), [4, 2, 5, 3])
        XCTAssertEqual(advance(&wheel, to: 101), [1])
    }

    func testEqualDeadlinesFireInSchedulingOrderAcrossCascades() {
        var wheel = TimingWheel<Int>(now: 0)
        wheel.schedule(1, at: 10_000)
        var expired: [TimingWheel<Int>.Expired] = []
        wheel.advance(to: 9_000, into: &expired)
        wheel.schedule(2, at: 10_000)
        wheel.advance(to: 9_990, into: &expired)
        wheel.schedule(3, at: 10_000)
        let rearmed = wheel.schedule(0, at: 20_000)
        wheel.reschedule(rearmed, at: 10_000)
        XCTAssertEqual(advance(&wheel, to: 10_000), [1, 2, 3, 0], "a re-armed timer counts as newly scheduled")
    }

    func testALateWakeUpFiresEverythingOverdueInDeadlineOrder() {
        var wheel = TimingWheel<Int>(now: 0)
        let deadlines: [Int64] = [90_000_000, 5, 3_600_000, 64, 5, 86_400_000, 63, 1]
        for (payload, deadline) in deadlines.enumerated() { wheel.schedule(payload, at: deadline) }
        var expired: [TimingWheel<Int>.Expired] = []
        wheel.advance(to: 100_000_000, into: &expired)
        XCTAssertEqual(expired.map(\.deadline), deadlines.sorted())
        XCTAssertEqual(expired.map(\.payload), [7, 1, 4, 6, 3, 2, 5, 0])
    }

    func testCancelReturnsThePayloadOnceAndStaleHandlesAreHarmless() {
        var wheel = TimingWheel<Int>(now: 0)
        let first = wheel.schedule(1, at: 100)
        let second = wheel.schedule(2, at: 100)
        XCTAssertEqual(wheel.cancel(first), 1)
        XCTAssertNil(wheel.cancel(first))
        XCTAssertFalse(wheel.reschedule(first, at: 50))
        let reused = wheel.schedule(3, at: 100)
        XCTAssertEqual(reused.index, first.index, "the pool entry is reused")
        XCTAssertNil(wheel.cancel(first), "a stale handle does not cancel the entry's new timer")
        XCTAssertEqual(wheel.count, 2)
        XCTAssertEqual(advance(&wheel, to: 100), [2, 3])
        XCTAssertNil(wheel.cancel(second), "a fired timer's handle is stale")
        XCTAssertNil(wheel.deadline(of: reused))
        XCTAssertNil(wheel.cancel(TimerHandle(index: 99, generation: 0)))
    }

    func testRescheduleMovesATimerEarlierOrLater() {
        var wheel = TimingWheel<Int>(now: 0)
        let early = wheel.schedule(1, at: 1_000_000)
        let late = wheel.schedule(2, at: 10)
        XCTAssertTrue(wheel.reschedule(early, at: 20))
        XCTAssertTrue(wheel.reschedule(late, at: 2_000_000))
        XCTAssertEqual(wheel.deadline(of: late), 2_000_000)
        XCTAssertEqual(wheel.nextExpiry(), 20)
        XCTAssertEqual(advance(&wheel, to: 1_999_999), [1])
        XCTAssertEqual(advance(&wheel, to: 2_000_000), [2])
    }

    func testAnIdleWheelHasNoExpiryAndTheClockNeverGoesBack() {
        var wheel = TimingWheel<Int>(now: 1000)
        XCTAssertNil(wheel.nextExpiry())
        XCTAssertEqual(advance(&wheel, to: 5000), [])
        XCTAssertEqual(advance(&wheel, to: 10), [])
        XCTAssertEqual(wheel.now, 5000)
        wheel.schedule(1, at: 4000)
        XCTAssertEqual(advance(&wheel, to: 10), [1], "due before the wheel's clock: fires at the next advance")
    }

    func testDeadlinesBeyondTheLevelsWaitInOverflow() {
        let year: Int64 = 365 * 86_400_000
        var wheel = TimingWheel<Int>(now: 0)
        wheel.schedule(1, at: 20_000 * year)
        wheel.schedule(2, at: 15_000 * year)
        wheel.schedule(3, at: Int64.max)
        XCTAssertLessThanOrEqual(wheel.nextExpiry()!, 15_000 * year)
        XCTAssertEqual(advance(&wheel, to: 15_000 * year - 1), [])
        XCTAssertEqual(advance(&wheel, to: 20_000 * year), [2, 1])
        XCTAssertEqual(advance(&wheel, to: Int64.max), [3], "Int64.max is capped to Int64.max - 1")
    }

    func testNegativeTimesWork() {
        var wheel = TimingWheel<Int>(now: -10_000)
        wheel.schedule(1, at: 5)
        wheel.schedule(2, at: -5)
        XCTAssertEqual(advance(&wheel, to: -5), [2])
        XCTAssertEqual(advance(&wheel, to: 5), [1])
    }

    func testMemoryIsThePoolPlusFixedBuckets() {
        var wheel = TimingWheel<Int64>(now: 0, capacity: 1000)
        for i in 0..<1000 { wheel.schedule(Int64(i), at: Int64(i) * 7) }
        XCTAssertEqual(TimingWheel<Int64>.nodeSize, 32)
        let fixed = 2 * (4096 + 3 * 4096 * 8 + 2) * 4 + 4 * 65 * 8
        XCTAssertEqual(wheel.memoryFootprint, 1000 * 32 + fixed)
        wheel.schedule(1000, at: 1)
        XCTAssertEqual(wheel.memoryFootprint, 2000 * 32 + fixed, "the pool doubles")
    }
}
