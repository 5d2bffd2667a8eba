import EventLoop
import XCTest
@testable import Server

final class ReactorTimingWheelTests: XCTestCase {
    func testFiresInDeadlineOrderNeverEarlyThenDisarms() throws {
        let reactor = try Reactor()
        var fired: [(payload: Int, deadline: Int64, at: Int64)] = []
        var wheel: ReactorTimingWheel<Int>!
        wheel = ReactorTimingWheel(reactor: reactor, clock: { reactor.nowMilliseconds }) { timer in
            reactor.updateNow()
            fired.append((timer.payload, timer.deadline, reactor.nowMilliseconds))
            if fired.count == 4 { reactor.stop() }
        }
        let start = reactor.nowMilliseconds
        wheel.schedule(3, at: start + 60)
        wheel.schedule(1, at: start + 15)
        wheel.schedule(2, at: start + 30)
        let cancelled = wheel.schedule(99, at: start + 20)
        wheel.schedule(0, at: start - 5)
        XCTAssertEqual(wheel.cancel(cancelled), 99)
        reactor.run()
        XCTAssertEqual(fired.map(\.payload), [0, 1, 2, 3])
        for timer in fired {
            XCTAssertGreaterThanOrEqual(timer.at, timer.deadline, "fired early")
        }
        XCTAssertEqual(wheel.count, 0)
        XCTAssertFalse(wheel.isArmed, "an empty wheel arms no timer")
    }

    func testAnIdleWheelLetsTheLoopSleep() throws {
        let reactor = try Reactor()
        let wheel = ReactorTimingWheel<Int>(reactor: reactor, clock: { reactor.nowMilliseconds }) { _ in XCTFail("nothing is scheduled") }
        let handle = wheel.schedule(1, at: reactor.nowMilliseconds + 3_600_000)
        XCTAssertTrue(wheel.isArmed)
        wheel.cancel(handle)
        wheel.schedule(2, at: reactor.nowMilliseconds + 86_400_000)
        XCTAssertTrue(wheel.isArmed, "armed for the next expiry, a day ahead")
        XCTAssertEqual(wheel.count, 1)
    }

    func testRearmingFromTheCallback() throws {
        let reactor = try Reactor()
        var count = 0
        var wheel: ReactorTimingWheel<Int>!
        wheel = ReactorTimingWheel(reactor: reactor, clock: { reactor.nowMilliseconds }) { timer in
            count += 1
            if count < 5 {
                wheel.schedule(timer.payload, at: timer.deadline + 5)
            } else {
                reactor.stop()
            }
        }
        wheel.schedule(7, at: reactor.nowMilliseconds + 5)
        reactor.run()
        XCTAssertEqual(count, 5)
    }

    func testAClockThatStandsStillFiresNothingUntilItMovesOn() throws {
        let reactor = try Reactor()
        let start = reactor.nowMilliseconds
        var clock = start
        var fired: [Int] = []
        let wheel = ReactorTimingWheel<Int>(reactor: reactor, clock: { clock }) { timer in
            fired.append(timer.payload)
            reactor.stop()
        }
        wheel.schedule(1, at: start + 5)
        let stop = TimerWatcher(reactor: reactor) { reactor.stop() }
        stop.start(after: 0.05)
        reactor.run()
        XCTAssertEqual(fired, [], "the loop's time passed the deadline, the wheel's clock did not")
        clock = start + 5
        wheel.clockChanged()
        stop.start(after: 5)
        reactor.run()
        XCTAssertEqual(fired, [1], "fires once its clock reads the deadline")
    }
}
