// Job weights from real schedules: intervals and cron, the run-time term, the idle floor for
// paused, done and finished jobs, one-off jobs, and the bound on the look-ahead.

@testable import Server
import XCTest

final class JobWeightTests: XCTestCase {
    private let now: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    private func times(_ frequency: String, start: Int64? = nil, repeats: Bool = true) throws -> FireTimes {
        try FireTimes(schedule: Schedule.parse(frequency), start: start ?? now, repeats: repeats)
    }

    private func weight(_ times: FireTimes?, paused: Bool = false, done: Bool = false, mean: Double? = nil) -> Double {
        JobWeight.weight(times: times, paused: paused, done: done, now: now, meanRunMilliseconds: mean)
    }

    func testIntervalOf200msFiresFiveTimesASecond() throws {
        XCTAssertEqual(weight(try times("200")), 0.05, accuracy: 1e-12)
        XCTAssertEqual(weight(try times("200ms")), 0.05, accuracy: 1e-12)
        XCTAssertEqual(weight(try times("1s")), 0.01, accuracy: 1e-12)
    }

    func testAJobStartingLaterWeighsWhatItWillWeighThen() throws {
        let week: Int64 = 7 * 86_400_000
        XCTAssertEqual(weight(try times("200ms", start: now + week)), 0.05, accuracy: 1e-12)
        XCTAssertEqual(weight(try times("*/5 * * * * *", start: now + week)), weight(try times("*/5 * * * * *")), accuracy: 1e-12)
    }

    func testSixFieldCronEveryFiveSeconds() throws {
        XCTAssertEqual(weight(try times("*/5 * * * * *")), 0.002, accuracy: 1e-12)
        XCTAssertEqual(weight(try times("* * * * *")), 0.01 / 60, accuracy: 1e-12)
    }

    func testMeanRunTimeAddsToTheOverhead() throws {
        let job = try times("200")
        XCTAssertEqual(weight(job, mean: 10), 2 * weight(job), accuracy: 1e-12, "10 ms doubles the 10 ms overhead")
        XCTAssertEqual(weight(job, mean: 90), 0.5, accuracy: 1e-12, "5 fires/s × 100 ms")
        XCTAssertEqual(weight(job, mean: -3), 0.05, accuracy: 1e-12, "a nonsense mean counts as unknown")
        XCTAssertEqual(weight(job, mean: .nan), 0.05, accuracy: 1e-12)
    }

    func testOffsetFromTheTickGridStaysClose() throws {
        let job = try times("200", start: now - 100)
        XCTAssertEqual(weight(job), 0.05, accuracy: 0.05 / 32)
    }

    func testJobsThatDoNotFireWeighTheFloor() throws {
        let job = try times("200")
        XCTAssertEqual(weight(nil), JobWeight.idle)
        XCTAssertEqual(weight(job, paused: true), JobWeight.idle)
        XCTAssertEqual(weight(job, done: true), JobWeight.idle)
        let past = try times("30s", start: now - 3_600_000, repeats: false)
        XCTAssertEqual(weight(past), JobWeight.idle, "its only tick is behind")
    }

    func testSparseJobsWeighAtLeastTheFloor() throws {
        XCTAssertEqual(weight(try times("@yearly")), JobWeight.idle)
        XCTAssertEqual(weight(try times("@daily")), JobWeight.idle, "0.01 / 86400 is below the floor")
        XCTAssertEqual(weight(try times("@hourly")), 0.01 / 3600, accuracy: 1e-12)
    }

    func testOneOffJobsSpreadOverAtLeastAMinute() throws {
        let soon = try times("5ms", repeats: false)
        XCTAssertEqual(weight(soon), 0.01 / 60, accuracy: 1e-12)
        let later = try times("2h", repeats: false)
        XCTAssertEqual(weight(later), 0.01 / 7200, accuracy: 1e-12)
    }

    func testLookAheadIsBoundedToThirtyTwoTicks() throws {
        // A job ticking every millisecond: 32 ticks in 32 ms, 1000 fires/s, 10 busy seconds/s.
        XCTAssertEqual(weight(try times("1")), 10, accuracy: 1e-9)
        // A leap-day job: 32 ticks reach 128 years ahead, and the rate is still right.
        XCTAssertEqual(weight(try times("0 0 29 2 *")), JobWeight.idle)
        XCTAssertEqual(JobWeight.maximumTicks, 32)
    }
}
