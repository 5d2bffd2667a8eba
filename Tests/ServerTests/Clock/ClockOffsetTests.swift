// ClockOffset with hand-made round trips: the on-wire rule, the choice of the sample of least
// error (a slow round trip never moves the estimate), drift growing the error with age, the
// window that slides with the answers, an outage, false tickers after a clock step, and
// samples that cannot be round trips.
@testable import Server
import XCTest

final class ClockOffsetTests: XCTestCase {
    private typealias Sample = ClockOffset.Sample
    private let resolution = ClockOffset.Configuration().resolution
    private let drift = ClockOffset.Configuration().frequencyTolerance

    func testNoEstimateBeforeTheFirstSample() {
        XCTAssertNil(ClockOffset().estimate(at: 1_000))
    }

    func testOneRoundTripGivesTheOffsetToItsMidpointWithHalfTheRoundTripAsError() throws {
        var clock = ClockOffset()
        XCTAssertTrue(clock.add(Sample(sent: 1_000, server: 5_003, received: 1_010)))
        let estimate = try XCTUnwrap(clock.estimate(at: 1_010))
        XCTAssertEqual(estimate.offset, 3_998, accuracy: 1e-9, "server minus the midpoint of send and receive")
        XCTAssertEqual(estimate.error, 5 + resolution, accuracy: 1e-9)
        XCTAssertEqual(estimate.age, 0)
    }

    func testTheTrueOffsetLiesWithinTheErrorWhateverTheTwoLegsTook() throws {
        // The server is 250 ms ahead; the request took 1 ms, the answer 99 ms (asymmetric legs).
        var clock = ClockOffset()
        clock.add(Sample(sent: 10_000, server: 10_000 + 1 + 250, received: 10_100))
        let estimate = try XCTUnwrap(clock.estimate(at: 10_100))
        XCTAssertLessThanOrEqual(abs(estimate.offset - 250), estimate.error)
        XCTAssertEqual(estimate.offset, 201, accuracy: 1e-9, "the midpoint rule is off by half the asymmetry")
    }

    func testASlowRoundTripDoesNotMoveTheEstimate() throws {
        var clock = ClockOffset()
        clock.add(Sample(sent: 1_000, server: 4_000.5, received: 1_001))
        clock.add(Sample(sent: 2_000, server: 5_200, received: 3_000))
        let estimate = try XCTUnwrap(clock.estimate(at: 3_000))
        XCTAssertEqual(estimate.offset, 3_000, accuracy: 1e-9, "the fast sample's offset, not the slow one's (3_700)")
        XCTAssertEqual(estimate.error, 0.5 + resolution + drift * 1_999, accuracy: 1e-9)
        XCTAssertEqual(estimate.age, 1_999)
    }

    func testAFasterLaterRoundTripReplacesTheEstimate() throws {
        var clock = ClockOffset()
        clock.add(Sample(sent: 1_000, server: 4_010, received: 1_020))
        clock.add(Sample(sent: 2_000, server: 5_001, received: 2_002))
        let estimate = try XCTUnwrap(clock.estimate(at: 2_002))
        XCTAssertEqual(estimate.offset, 3_000, accuracy: 1e-9)
        XCTAssertEqual(estimate.error, 1 + resolution, accuracy: 1e-9)
    }

    func testTheErrorGrowsWithTheSampleAgeByTheFrequencyTolerance() throws {
        var clock = ClockOffset()
        clock.add(Sample(sent: 0, server: 1, received: 2))
        let young = try XCTUnwrap(clock.estimate(at: 2))
        let old = try XCTUnwrap(clock.estimate(at: 4_002))
        XCTAssertEqual(old.error - young.error, drift * 4_000, accuracy: 1e-12)
        XCTAssertEqual(old.offset, young.offset)
    }

    func testAnOlderFastSampleLosesToAYoungerOneOnceDriftMakesItWorse() throws {
        let configuration = ClockOffset.Configuration(samples: 8, window: 100_000, maxAge: 100_000, resolution: 0, frequencyTolerance: 0.001)
        var clock = ClockOffset(configuration: configuration)
        clock.add(Sample(sent: 0, server: 101, received: 2))  // error 1, +1 per second of age
        clock.add(Sample(sent: 5_000, server: 5_104, received: 5_006))  // offset 101 (the first's is 100), error 3
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 5_006)).offset, 101, accuracy: 1e-9,
                       "at 5 s the old sample's error is 6: the younger one (3) wins")
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 5_006)).error, 3, accuracy: 1e-9)
    }

    func testTheWorkedExampleOfTheDocComment() throws {
        var clock = ClockOffset(configuration: .init(samples: 8, window: 8_000, maxAge: 30_000))
        clock.add(Sample(sent: 1_000, server: 5_000.5, received: 1_001))
        clock.add(Sample(sent: 2_000, server: 6_003, received: 2_010))
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 2_010)).offset, 4_000, accuracy: 1e-9)
        clock.add(Sample(sent: 9_500, server: 13_502, received: 9_520))
        XCTAssertEqual(clock.samples.count, 2, "the first is more than the window older than the newest")
        let estimate = try XCTUnwrap(clock.estimate(at: 9_520))
        XCTAssertEqual(estimate.offset, 3_998, accuracy: 1e-9)
        XCTAssertEqual(estimate.error, 5.11, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 30_000)).error, 5.42, accuracy: 0.01)
        XCTAssertNotNil(clock.estimate(at: 39_520))
        XCTAssertNil(clock.estimate(at: 39_521))
    }

    func testARunOfSlowAnswersPushesTheFastOneOutWithinTheWindow() throws {
        var clock = ClockOffset(configuration: .init(samples: 8, window: 8_000, maxAge: 30_000))
        clock.add(Sample(sent: 0, server: 1_000.5, received: 1))  // 1_000 ± 0.5
        var sent = 1_000.0
        while sent + 3_000 <= 8_001 {
            clock.add(Sample(sent: sent, server: sent + 1_000 + 1_500, received: sent + 3_000))  // 1_000 ± 1_500
            XCTAssertEqual(try XCTUnwrap(clock.estimate(at: sent + 3_000)).error, 0.5, accuracy: 0.2, "the fast answer still rules")
            sent += 3_000
        }
        clock.add(Sample(sent: sent, server: sent + 2_500, received: sent + 3_000))
        XCTAssertGreaterThan(try XCTUnwrap(clock.estimate(at: sent + 3_000)).error, 1_500, "only slow answers are left")
    }

    func testAnOutageKeepsTheLastEstimateUntilItIsTooOld() throws {
        var clock = ClockOffset(configuration: .init(samples: 8, window: 8_000, maxAge: 30_000))
        clock.add(Sample(sent: 0, server: 1_000.5, received: 1))
        let late = try XCTUnwrap(clock.estimate(at: 30_001), "no answer for 30 s: still an estimate")
        XCTAssertEqual(late.offset, 1_000, accuracy: 1e-9)
        XCTAssertEqual(late.age, 30_000)
        XCTAssertEqual(late.error, 0.5 + resolution + drift * 30_000, accuracy: 1e-9)
        XCTAssertNil(clock.estimate(at: 30_002), "older than maxAge: no estimate")
    }

    func testOnlyTheLastSamplesAreKept() throws {
        var clock = ClockOffset(configuration: .init(samples: 3, window: 100_000))
        clock.add(Sample(sent: 0, server: 1_001, received: 0))  // offset 1_001, error 0: the best, until pushed out
        for index in 1...3 {
            let sent = Double(index * 1_000)
            clock.add(Sample(sent: sent, server: sent + 1_004, received: sent + 8))
        }
        XCTAssertEqual(clock.samples.count, 3)
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 3_008)).offset, 1_000, accuracy: 1e-9,
                       "the exact first sample was pushed out by three newer ones")
        XCTAssertEqual(try XCTUnwrap(clock.estimate(at: 3_008)).error, 4 + resolution, accuracy: 1e-3)
    }

    func testASampleThatContradictsTheKeptOnesMeansAClockSteppedAndDropsThem() throws {
        var clock = ClockOffset()
        clock.add(Sample(sent: 1_000, server: 2_000.5, received: 1_001))  // offset 1_000 ± 0.5
        clock.add(Sample(sent: 2_000, server: 4_010, received: 2_020))  // offset 2_000 ± 10: disjoint
        XCTAssertEqual(clock.samples.count, 1)
        let estimate = try XCTUnwrap(clock.estimate(at: 2_020))
        XCTAssertEqual(estimate.offset, 2_000, accuracy: 1e-9, "the newest reading wins over a contradicted one")
    }

    func testOverlappingIntervalsAreKept() {
        var clock = ClockOffset()
        clock.add(Sample(sent: 1_000, server: 2_000.5, received: 1_001))  // 1_000 ± 0.5
        clock.add(Sample(sent: 2_000, server: 3_014, received: 2_020))  // 1_004 ± 10: overlaps
        XCTAssertEqual(clock.samples.count, 2)
    }

    func testWhatCannotBeARoundTripIsRefused() {
        var clock = ClockOffset()
        XCTAssertFalse(clock.add(Sample(sent: 2_000, server: 5_000, received: 1_999)), "answered before it was sent")
        XCTAssertFalse(clock.add(Sample(sent: 1_000, server: .nan, received: 1_001)))
        XCTAssertFalse(clock.add(Sample(sent: 1_000, server: .infinity, received: 1_001)))
        XCTAssertTrue(clock.samples.isEmpty)
        XCTAssertNil(clock.estimate(at: 2_000))
    }
}
