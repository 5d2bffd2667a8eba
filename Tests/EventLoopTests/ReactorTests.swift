import EventLoop
import Glibc
import XCTest

final class ReactorTests: XCTestCase {
    func testOneShotAndRepeatingTimersFireAndStop() throws {
        let reactor = try Reactor()
        var oneShot = 0
        var repeats = 0
        let once = TimerWatcher(reactor: reactor) { oneShot += 1 }
        var repeating: TimerWatcher!
        repeating = TimerWatcher(reactor: reactor) {
            repeats += 1
            if repeats == 3 {
                repeating.stop()
                reactor.stop()
            }
        }
        once.start(after: 0.001)
        repeating.start(after: 0.01, every: 0.01)
        reactor.run()
        XCTAssertEqual(oneShot, 1)
        XCTAssertEqual(repeats, 3)
        XCTAssertFalse(once.isActive)
    }

    func testIOWatcherSeesReadabilityOfAPipe() throws {
        let reactor = try Reactor()
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        var received: [UInt8] = []
        let watcher = IOWatcher(reactor: reactor, fd: fds[0], events: .read) { events in
            XCTAssertTrue(events.contains(.read))
            var byte: UInt8 = 0
            if read(fds[0], &byte, 1) == 1 { received.append(byte) }
            if received.count == 2 { reactor.stop() }
        }
        watcher.start()
        var bytes: [UInt8] = [7, 9]
        XCTAssertEqual(write(fds[1], &bytes, 2), 2)
        reactor.run()
        XCTAssertEqual(received, [7, 9])
        watcher.set(events: [])
        XCTAssertFalse(watcher.isActive, "no events means stopped")
    }

    func testSignalWatcherDeliversTheSignalOnTheLoop() throws {
        let reactor = try Reactor()
        var delivered: Int32 = 0
        let watcher = SignalWatcher(reactor: reactor, signal: SIGUSR1) { number in
            delivered = number
            reactor.stop()
        }
        let sender = TimerWatcher(reactor: reactor) { kill(getpid(), SIGUSR1) }
        sender.start(after: 0.001)
        reactor.run()
        withExtendedLifetime(watcher) {}
        XCTAssertEqual(delivered, SIGUSR1)
    }

    func testChildWatcherReportsTheExitStatus() throws {
        let reactor = try Reactor()
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", "exit 3"]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ), 0)
        var status: Int32 = -1
        let watcher = ChildWatcher(reactor: reactor, pid: pid) { exited, raw in
            XCTAssertEqual(exited, pid)
            status = raw
            reactor.stop()
        }
        reactor.run()
        withExtendedLifetime(watcher) {}
        XCTAssertEqual((status >> 8) & 0xff, 3)
    }

    func testNowAdvancesWithTheLoop() throws {
        let reactor = try Reactor()
        let before = reactor.now
        usleep(20_000)
        reactor.updateNow()
        XCTAssertGreaterThan(reactor.now, before + 0.015)
        XCTAssertEqual(Double(reactor.nowMilliseconds) / 1000, reactor.now, accuracy: 0.001)
    }

    func testMonotonicClockAdvancesAndIsNotTheWallClock() throws {
        let reactor = try Reactor()
        let first = reactor.monotonicNow
        usleep(10_000)
        XCTAssertGreaterThan(reactor.monotonicNow - first, 0.009)
        XCTAssertGreaterThan(abs(reactor.now - reactor.monotonicNow), 1000, "seconds since boot, not since 1970")
    }
}
