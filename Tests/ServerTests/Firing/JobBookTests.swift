// The job book without a reactor: first ticks, misfire policies for arriving jobs, edits,
// pauses and resumes, one-shots, removal, and the re-arming that makes a job fire on every
// tick and never early.
@testable import Server
import XCTest

final class JobBookTests: XCTestCase {
    private let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    private var now: Int64 = 0
    private var timers: ManualTimers!
    private var book: JobBook!
    private var scheduled: [Int64] = []
    private var unscheduled: [Int64] = []

    override func setUp() {
        now = t0
        timers = ManualTimers(now: t0)
        book = JobBook(timers: timers, clock: { [unowned self] in now })
        book.onScheduled = { [unowned self] job, _ in scheduled.append(job.id) }
        book.onUnscheduled = { [unowned self] id in unscheduled.append(id) }
    }

    private func job(_ id: Int64, _ frequency: String, start: Int64? = nil, version: Int = 1, createdAt: Int64? = nil,
                     misfire: JobDraft.Misfire = .runOnce, repeats: Bool = true, paused: Bool = false, done: Bool = false) -> Job {
        var draft = JobDraft(name: "j\(id)", frequency: frequency, startdate: start ?? t0, script: "true")
        draft.misfire = misfire
        draft.repeats = repeats
        draft.paused = paused
        return Job(id: id, definition: draft, done: done, createdAt: createdAt ?? t0, updatedAt: t0, version: version)
    }

    /// Advances the clock to `time` and returns the ticks that fired, as the firing layer would
    /// see them (each re-armed through `tickExpired`).
    private func run(to time: Int64) -> [(id: Int64, tick: Int64)] {
        var fired: [(Int64, Int64)] = []
        var cursor = now
        while cursor <= time {
            now = cursor
            for (timer, at) in timers.advance(to: cursor) where timer.kind == .tick {
                XCTAssertGreaterThanOrEqual(cursor, at, "a tick never fires early")
                if book.tickExpired(jobID: timer.id, at: at) != nil {
                    fired.append((timer.id, at))
                }
            }
            cursor += 100
        }
        now = time
        return fired
    }

    func testANewIntervalJobFiresOnePeriodAfterItsStartAndEveryPeriodAfter() {
        XCTAssertEqual(book.place(job(1, "1s"), lastTick: nil), .scheduled(missed: []))
        XCTAssertEqual(run(to: t0 + 3_500).map(\.tick), [t0 + 1_000, t0 + 2_000, t0 + 3_000])
        XCTAssertEqual(book.scheduledCount, 1)
        XCTAssertEqual(scheduled, [1])
    }

    func testAnArrivingJobRunsItsLatestMissedTickOnceUnderRunOnce() {
        now = t0 + 7_500
        let placed = book.place(job(1, "1s"), lastTick: t0 + 3_000)
        XCTAssertEqual(placed, .scheduled(missed: [t0 + 7_000]))
        XCTAssertEqual(run(to: t0 + 8_000).map(\.tick), [t0 + 8_000], "the wheel is armed for the next tick after now")
    }

    func testAnArrivingJobRunsEveryMissedTickUnderRunAllUpToTheBound() {
        book = JobBook(timers: timers, clock: { [unowned self] in now }, configuration: .init(maxMisfireRuns: 3))
        now = t0 + 7_500
        XCTAssertEqual(book.place(job(1, "1s", misfire: .runAll), lastTick: t0 + 1_000),
                       .scheduled(missed: [t0 + 5_000, t0 + 6_000, t0 + 7_000]), "the oldest are dropped beyond the bound")
    }

    func testAnArrivingJobSkipsItsMissedTicksUnderSkip() {
        now = t0 + 7_500
        XCTAssertEqual(book.place(job(1, "1s", misfire: .skip), lastTick: t0 + 3_000), .scheduled(missed: []))
        XCTAssertEqual(run(to: t0 + 8_000).map(\.tick), [t0 + 8_000])
    }

    func testTheTicksEachMisfirePolicyDropsAreCountedAndAOneShotsSkippedTickIsNot() {
        var dropped: [(Int64, Int, Bool)] = []
        book.onMisfireDropped = { job, count, exact in dropped.append((job.id, count, exact)) }
        now = t0 + 7_500
        _ = book.place(job(1, "1s", misfire: .skip), lastTick: t0 + 3_000)
        _ = book.place(job(2, "1s", misfire: .runOnce), lastTick: t0 + 3_000)
        _ = book.place(job(3, "1s", misfire: .runAll), lastTick: t0 + 3_000)
        _ = book.place(job(4, "1h", start: t0 - 3_600_000, misfire: .skip, repeats: false), lastTick: nil)
        _ = book.place(job(5, "1s", misfire: .skip), lastTick: t0 + 7_000)
        XCTAssertEqual(dropped.map(\.0), [1, 2], "run_all kept its 4 ticks; the one-shot's is recorded skipped; job 5 missed none")
        XCTAssertEqual(dropped.map(\.1), [4, 3], "4 s, 5 s, 6 s, 7 s under skip; all but 7 s under run_once")
        XCTAssertEqual(dropped.map(\.2), [true, true])
    }

    func testAJobWithoutRecordedTicksCountsMissedTicksFromItsCreation() {
        now = t0 + 2_500
        XCTAssertEqual(book.place(job(1, "1s", createdAt: t0 + 1_500), lastTick: nil), .scheduled(missed: [t0 + 2_000]))
    }

    func testAnEditStartsFromNowWithoutReplayingAndCancelsTheOldTimer() {
        _ = book.place(job(1, "1s"), lastTick: nil)
        _ = run(to: t0 + 1_200)
        XCTAssertEqual(book.place(job(1, "10s", start: t0, version: 2), lastTick: t0), .scheduled(missed: []),
                       "an edit never replays ticks, even with an old last tick")
        XCTAssertEqual(run(to: t0 + 10_500).map(\.tick), [t0 + 10_000], "only the new schedule's ticks fire")
        XCTAssertEqual(timers.count, 1)
    }

    func testAnOlderOrEqualVersionChangesNothing() {
        _ = book.place(job(1, "1s", version: 3), lastTick: nil)
        XCTAssertEqual(book.place(job(1, "5s", version: 3), lastTick: nil), .unchanged)
        XCTAssertEqual(book.place(job(1, "5s", version: 2), lastTick: nil), .unchanged)
        XCTAssertEqual(book.job(1)?.definition.frequency, "1s")
    }

    func testAPausedJobLeavesTheWheelAndAResumeStartsFromNow() {
        _ = book.place(job(1, "1s"), lastTick: nil)
        XCTAssertEqual(book.place(job(1, "1s", version: 2, paused: true), lastTick: nil), .unscheduled)
        XCTAssertEqual(unscheduled, [1])
        XCTAssertEqual(book.version(of: 1), 2, "a paused job stays known")
        XCTAssertTrue(run(to: t0 + 5_500).isEmpty, "a paused job does not fire")
        XCTAssertEqual(book.place(job(1, "1s", version: 3), lastTick: nil), .scheduled(missed: []),
                       "ticks that fell while paused are not replayed")
        XCTAssertEqual(run(to: t0 + 6_000).map(\.tick), [t0 + 6_000])
    }

    func testAFinishedOneShotLeavesTheWheelButIsCountedDone() {
        _ = book.place(job(1, "0", start: t0 + 1_000, repeats: false), lastTick: nil)
        _ = book.place(job(2, "1s", paused: true), lastTick: nil)
        XCTAssertEqual(run(to: t0 + 1_000).map(\.tick), [t0 + 1_000])
        book.finish(1)
        XCTAssertEqual(book.scheduledCount, 0)
        XCTAssertEqual(unscheduled, [1])
        XCTAssertEqual(book.idleCounts.done, 1, "a finished job is counted done")
        XCTAssertEqual(book.idleCounts.paused, 1)
        XCTAssertEqual(book.place(job(1, "0", start: t0 + 1_000, repeats: false), lastTick: t0 + 1_000), .unchanged,
                       "a reload of the same version changes nothing")
        XCTAssertTrue(run(to: t0 + 10_000).isEmpty)
    }

    func testADoneJobIsKnownButNeverFires() {
        XCTAssertEqual(book.place(job(1, "1s", done: true), lastTick: nil), .unscheduled)
        XCTAssertEqual(book.scheduledCount, 0)
        XCTAssertEqual(book.knownIDs, [1])
        XCTAssertTrue(scheduled.isEmpty)
    }

    func testAOneShotFiresOnceAtItsStartdate() {
        _ = book.place(job(1, "0", start: t0 + 2_000, repeats: false), lastTick: nil)
        XCTAssertEqual(run(to: t0 + 10_000).map(\.tick), [t0 + 2_000])
        XCTAssertEqual(timers.count, 0, "nothing is armed after the only tick")
    }

    func testARemovedJobNeverFiresAgain() {
        _ = book.place(job(1, "1s"), lastTick: nil)
        _ = book.place(job(2, "1s"), lastTick: nil)
        book.remove(1)
        book.remove(42)
        XCTAssertEqual(unscheduled, [1], "removing an unknown job is a no-op")
        XCTAssertEqual(run(to: t0 + 2_000).map(\.id), [2, 2])
        XCTAssertNil(book.tickExpired(jobID: 1, at: t0 + 3_000))
    }

    func testCronTicksAreMatchesAfterTheStart() {
        _ = book.place(job(1, "*/15 * * * * *", start: t0 + 1), lastTick: nil)
        XCTAssertEqual(run(to: t0 + 45_000).map(\.tick), [t0 + 15_000, t0 + 30_000, t0 + 45_000])
    }
}

extension JobBookTests {
    func testAOneShotWhoseTickIsAtOrBeforeItsCreationRunsOnce() {
        now = t0 + 5_000
        XCTAssertEqual(book.place(job(1, "0", start: t0, createdAt: t0 + 3, repeats: false), lastTick: nil),
                       .exhausted(missed: [t0], skipped: []), "a startdate of now or in the past means run once, now")
    }

    func testAOneShotUnderSkipWhoseTickPassedIsHandedBackAsSkipped() {
        now = t0 + 5_000
        XCTAssertEqual(book.place(job(1, "1h", start: t0 - 3_600_000, misfire: .skip, repeats: false), lastTick: nil),
                       .exhausted(missed: [], skipped: [t0]))
    }

    func testAOneShotThatAlreadyRanHasNothingLeft() {
        now = t0 + 5_000
        XCTAssertEqual(book.place(job(1, "0", start: t0, repeats: false), lastTick: t0), .exhausted(missed: [], skipped: []))
    }

    func testARepeatingJobStillIgnoresTicksBeforeItsCreation() {
        now = t0 + 5_500
        XCTAssertEqual(book.place(job(1, "1s", start: t0 - 10_000, createdAt: t0 + 5_200), lastTick: nil), .scheduled(missed: []))
    }

    func testAOneShotEditedIntoThePastRunsOnceInsteadOfBeingDoneWithoutARun() {
        _ = book.place(job(1, "0", start: t0 + 3_600_000, repeats: false), lastTick: nil)
        now = t0 + 5_000
        XCTAssertEqual(book.place(job(1, "0", start: t0, version: 2, repeats: false), lastTick: nil),
                       .exhausted(missed: [t0], skipped: []), "its tick lies in the past now: it runs once")
    }
}
