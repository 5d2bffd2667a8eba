// The owner's ledger of job weights: rates computed once per definition (at creation or on
// scheduling), run times folded in, idle weights for unscheduled jobs, and only weights that
// moved more than a tenth reported for pushing.
@testable import Server
import XCTest

final class OwnedWeightsTests: XCTestCase {
    private let now: Int64 = 1_767_225_600_000
    private var clock = 0.0

    private func job(_ id: Int64, _ frequency: String, version: Int = 1, paused: Bool = false) -> Job {
        var draft = JobDraft(name: "j", frequency: frequency, startdate: now, script: "true")
        draft.paused = paused
        return Job(id: id, definition: draft, done: false, createdAt: now, updatedAt: now, version: version)
    }

    func testCreatedJobsWeighTheirFireRateTimesTheOverhead() {
        let weights = OwnedWeights(clock: { [unowned self] in clock })
        let created = weights.created([job(1, "200ms"), job(2, "1s", paused: true)], now: now)
        XCTAssertEqual(created[0], 0.05, accuracy: 1e-12)
        XCTAssertEqual(created[1], JobWeight.idle)
    }

    func testAScheduledJobWeighsItsRatePlusItsObservedRunTime() throws {
        let weights = OwnedWeights(clock: { [unowned self] in clock })
        let job = job(1, "1s")
        XCTAssertEqual(weights.weight(1), JobWeight.idle, "not scheduled yet")
        weights.scheduled(job, times: try job.definition.fireTimes(), now: now)
        XCTAssertEqual(weights.weight(1), 0.01, accuracy: 1e-12)
        weights.ran(1, milliseconds: 90)
        XCTAssertEqual(weights.weight(1), 0.1, accuracy: 1e-12)
        weights.ran(1, milliseconds: 190)
        XCTAssertEqual(weights.weight(1), 1 * (0.010 + (0.8 * 0.090 + 0.2 * 0.190)), accuracy: 1e-12)
        weights.unscheduled(1)
        XCTAssertEqual(weights.weight(1), JobWeight.idle)
        weights.ran(1, milliseconds: 500)
        XCTAssertEqual(weights.weight(1), JobWeight.idle, "run times of unscheduled jobs are ignored")
    }

    func testTheTotalCountsUnscheduledOwnedJobsAsIdle() throws {
        let weights = OwnedWeights(clock: { [unowned self] in clock })
        let job = job(1, "200ms")
        weights.scheduled(job, times: try job.definition.fireTimes(), now: now)
        XCTAssertEqual(weights.total(ownedCount: 3), 0.05 + 2 * JobWeight.idle, accuracy: 1e-12)
    }

    func testOnlyWeightsThatMovedMoreThanATenthArePushed() throws {
        let weights = OwnedWeights(clock: { [unowned self] in clock })
        let job = job(1, "1s")
        weights.scheduled(job, times: try job.definition.fireTimes(), now: now)
        weights.adopted(1)
        XCTAssertTrue(weights.changes([1]).isEmpty)
        weights.ran(1, milliseconds: 0.5)
        XCTAssertTrue(weights.changes([1]).isEmpty, "5 % is noise")
        weights.ran(1, milliseconds: 100)
        let changes = weights.changes([1, 2])
        XCTAssertEqual(Set(changes.keys), [1, 2], "a job never announced is pushed")
        weights.pushed(changes, owned: [1])
        XCTAssertEqual(Set(weights.changes([1, 2]).keys), [2], "only owned jobs are marked pushed")
        weights.forget([1])
        XCTAssertEqual(Set(weights.changes([1]).keys), [1])
    }
}
