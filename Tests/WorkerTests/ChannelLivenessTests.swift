// ChannelLiveness with an injected clock: the other end is given up after `timeout` seconds of
// silence, any frame resets the count, and a check that comes long after its interval (this
// process itself was stopped) forgives the silence instead of blaming the other end.
import XCTest
@testable import Worker

final class ChannelLivenessTests: XCTestCase {
    /// Checks every `interval` s from `from` to `to` (inclusive); the first time found silent.
    private func firstSilence(_ liveness: inout ChannelLiveness, from: Double, to: Double, interval: Double = 1) -> Double? {
        var now = from
        while now <= to {
            if liveness.isSilent(at: now) { return now }
            now += interval
        }
        return nil
    }

    func testAnEndNeverHeardFromIsSilentOnceTheTimeoutHasPassed() {
        var liveness = ChannelLiveness(timeout: 10, checkInterval: 1, now: 100)
        XCTAssertEqual(firstSilence(&liveness, from: 101, to: 120), 110)
    }

    func testEachFrameHeardPostponesTheVerdictByAWholeTimeout() {
        var liveness = ChannelLiveness(timeout: 5, checkInterval: 1, now: 0)
        XCTAssertNil(firstSilence(&liveness, from: 1, to: 4))
        liveness.heard(at: 4.5)
        XCTAssertNil(firstSilence(&liveness, from: 5, to: 9))
        XCTAssertEqual(firstSilence(&liveness, from: 10, to: 20), 10)
        XCTAssertEqual(liveness.silence(at: 10), 5.5)
    }

    func testAFrameStampedEarlierThanTheLastOneDoesNotMoveTheCountBack() {
        var liveness = ChannelLiveness(timeout: 5, checkInterval: 1, now: 0)
        liveness.heard(at: 3)
        liveness.heard(at: 2)
        XCTAssertEqual(liveness.lastHeard, 3)
    }

    func testALateCheckMeansThisProcessStalledAndForgivesTheSilence() {
        var liveness = ChannelLiveness(timeout: 5, checkInterval: 1, now: 0)
        XCTAssertFalse(liveness.isSilent(at: 1))
        // Stopped for 30 s: whatever the other end sent waits unread; not its fault.
        XCTAssertFalse(liveness.isSilent(at: 31))
        XCTAssertEqual(liveness.silence(at: 31), 0)
        // From then on it is counted again, from the late check.
        XCTAssertEqual(firstSilence(&liveness, from: 32, to: 40), 36)
    }

    func testAChecksDelayUpToTwiceItsIntervalIsNotAStall() {
        var liveness = ChannelLiveness(timeout: 3, checkInterval: 1, now: 0)
        XCTAssertFalse(liveness.isSilent(at: 2))
        XCTAssertTrue(liveness.isSilent(at: 4), "two late checks in a row, each within twice the interval")
    }
}
