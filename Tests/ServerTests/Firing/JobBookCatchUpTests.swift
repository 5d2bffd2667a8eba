// The job book when the cluster's clock stood still (firing stopped for the clock) and then
// moved on: the ticks that came due meanwhile follow each job's misfire policy, once, and
// jobs whose next tick is still ahead of the clock are left alone.
@testable import Server
import XCTest

final class JobBookCatchUpTests: XCTestCase {
    private let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    private var now: Int64 = 0
    private var timers: ManualTimers!
    private var book: JobBook!

    override func setUp() {
        now = t0
        timers = ManualTimers(now: t0)
        book = JobBook(timers: timers, clock: { [unowned self] in now }, configuration: .init(maxMisfireRuns: 3))
    }

    private func job(_ id: Int64, _ frequency: String, start: Int64? = nil, misfire: JobDraft.Misfire = .runOnce,
                     repeats: Bool = true) -> Job {
        var draft = JobDraft(name: "j\(id)", frequency: frequency, startdate: start ?? t0, script: "true")
        draft.misfire = misfire
        draft.repeats = repeats
        return Job(id: id, definition: draft, done: false, createdAt: t0, updatedAt: t0, version: 1)
    }

    /// Places the jobs at t0, then lets the clock stand still at t0 + 2.5 s (firing stopped)
    /// and jump to `resumed`: what catchUp hands back, by job id.
    private func stopAndResume(_ jobs: [Job], at resumed: Int64) -> [Int64: JobBook.Placement] {
        jobs.forEach { _ = book.place($0, lastTick: nil) }
        now = t0 + 2_500
        var due = timers.advance(to: now)
        while !due.isEmpty {
            due.forEach { _ = book.tickExpired(jobID: $0.timer.id, at: $0.at) }
            due = timers.advance(to: now)
        }
        now = resumed
        return Dictionary(uniqueKeysWithValues: book.catchUp().map { ($0.job.id, $0.placement) })
    }

    func testRunOnceFiresTheLatestTickThatCameDueWhileStopped() {
        let placements = stopAndResume([job(1, "1s")], at: t0 + 10_500)
        XCTAssertEqual(placements[1], .scheduled(missed: [t0 + 10_000]))
        XCTAssertEqual(timers.advance(to: t0 + 10_999).count, 0, "nothing else is due before the next tick")
        XCTAssertEqual(timers.advance(to: t0 + 11_000).map(\.at), [t0 + 11_000])
    }

    func testRunAllFiresTheTicksThatCameDueUpToTheBound() {
        let placements = stopAndResume([job(1, "1s", misfire: .runAll)], at: t0 + 10_500)
        XCTAssertEqual(placements[1], .scheduled(missed: [t0 + 8_000, t0 + 9_000, t0 + 10_000]))
    }

    func testSkipFiresNoneAndWaitsForTheNextTick() {
        let placements = stopAndResume([job(1, "1s", misfire: .skip)], at: t0 + 10_500)
        XCTAssertEqual(placements[1], .scheduled(missed: []))
        XCTAssertEqual(timers.advance(to: t0 + 11_000).map(\.at), [t0 + 11_000], "the old timer was cancelled, not left to cascade")
    }

    func testAJobWhoseNextTickIsStillAheadIsLeftAlone() {
        let placements = stopAndResume([job(1, "1s"), job(2, "1h")], at: t0 + 4_500)
        XCTAssertEqual(Set(placements.keys), [1], "the hourly job's tick has not come")
        XCTAssertEqual(timers.count, 2)
    }

    func testAOneShotWhoseTickCameDueWhileStoppedRunsOnceOrIsSkipped() {
        let once = job(1, "0", start: t0 + 5_000, repeats: false)
        let skipped = job(2, "0", start: t0 + 5_000, misfire: .skip, repeats: false)
        let placements = stopAndResume([once, skipped], at: t0 + 9_000)
        XCTAssertEqual(placements[1], .exhausted(missed: [t0 + 5_000], skipped: []))
        XCTAssertEqual(placements[2], .exhausted(missed: [], skipped: [t0 + 5_000]), "recorded skipped, never left undone")
    }
}
