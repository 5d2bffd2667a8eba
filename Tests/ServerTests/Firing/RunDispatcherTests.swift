// RunDispatcher against a recording run store and a worker pool whose free slots a test sets:
// what becomes of runs waiting for a slot under `replace`, whether a one-shot whose only
// run was cancelled is left undone, and what a stop records. No reactor loop runs: claims complete at once.
import EventLoop
import Logging
@testable import Server
import Worker
import XCTest

/// A RunStore that wins every claim at once (ids from 1) and records what is written.
private final class RecordingRunStore: RunStore {
    private var nextID: Int64 = 0
    private var claimed = Set<TickClaim>()
    var finishedRuns: [Run] = []
    var doneJobs: [Int64] = []

    func claim(_ claims: [TickClaim], nodeID: String, skipReason: String?, completion: @escaping (Result<[Run], StoreError>) -> Void) {
        let runs = claims.filter { claimed.insert($0).inserted }.map { claim -> Run in
            nextID += 1
            return Run(id: nextID, jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt, nodeID: nodeID,
                       workerPID: nil, status: skipReason == nil ? .pending : .skipped, startedAt: nil, finishedAt: nil,
                       exitCode: nil, signal: nil, output: skipReason ?? "", outputTruncated: false)
        }
        completion(.success(runs))
    }

    func started(runID: Int64, workerPID: Int32, at: Int64) {}
    func finished(_ run: Run) { finishedRuns.append(run) }
    var hasPendingWrites: Bool { false }
    func markDone(jobID: Int64) { doneJobs.append(jobID) }
    func run(id: Int64, completion: @escaping (Result<Run?, StoreError>) -> Void) { completion(.success(nil)) }
    func runs(jobID: Int64, before: Int64, limit: Int, completion: @escaping (Result<[Run], StoreError>) -> Void) { completion(.success([])) }
    func lastTicks(jobIDs: [Int64], completion: @escaping (Result<[Int64: Int64], StoreError>) -> Void) { completion(.success([:])) }
    func markLost(nodeID: String, completion: @escaping (Result<Int, StoreError>) -> Void) { completion(.success(0)) }
}

/// A WorkerPool with `slots` free slots that keeps what it was sent.
private final class RecordingPool: WorkerPool {
    weak var delegate: WorkerPoolDelegate?
    var slots = 0
    var dispatched: [WorkerMessage.RunRequest] = []
    var cancelled: [Int64] = []

    func start() {}
    func stop(completion: @escaping () -> Void) { completion() }
    var freeSlots: Int { slots }
    func dispatch(_ request: WorkerMessage.RunRequest) -> Bool {
        guard slots > 0 else { return false }
        slots -= 1
        dispatched.append(request)
        return true
    }
    func cancel(runID: Int64) { cancelled.append(runID) }
    var workers: [WorkerInfo] { [] }
}

final class RunDispatcherTests: XCTestCase {
    private let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    private var reactor: Reactor!
    private var store: RecordingRunStore!
    private var pool: RecordingPool!
    private var book: JobBook!
    private var dispatcher: RunDispatcher!

    override func setUpWithError() throws {
        reactor = try Reactor(isolated: true)
        store = RecordingRunStore()
        pool = RecordingPool()
        let timers = ManualTimers(now: t0)
        book = JobBook(timers: timers, clock: { [t0] in t0 })
        dispatcher = RunDispatcher(reactor: reactor, configuration: .init(nodeID: "test"), runStore: store, workers: pool,
                                   book: book, timers: timers, logger: Logger(label: "test"))
    }

    override func tearDown() {
        dispatcher = nil
        book = nil
        pool = nil
        store = nil
        reactor = nil
    }

    /// Places a job whose first tick is an hour away (no missed tick fires on placement).
    private func place(_ id: Int64, concurrency: JobDraft.Concurrency = .allow, repeats: Bool = true) {
        var draft = JobDraft(name: "j\(id)", frequency: "1h", startdate: t0, script: "true")
        draft.concurrency = concurrency
        draft.repeats = repeats
        XCTAssertEqual(book.place(Job(id: id, definition: draft, done: false, createdAt: t0, updatedAt: t0, version: 1), lastTick: nil),
                       .scheduled(missed: []))
    }

    func testReplaceCancelsTheRunOfTheJobThatStillWaitsForASlot() {
        place(1, concurrency: .replace)
        dispatcher.fire(jobID: 1, tick: t0 + 1_000, attempt: 1)
        XCTAssertEqual(dispatcher.waitingRuns, 1, "no slot: the first tick's run waits")
        dispatcher.fire(jobID: 1, tick: t0 + 2_000, attempt: 1)
        XCTAssertEqual(store.finishedRuns.map(\.status), [.cancelled], "replace stops the older run, even one still waiting")
        XCTAssertEqual(dispatcher.waitingRuns, 1, "only the newest tick's run is left to start")
        pool.slots = 4
        dispatcher.workerReady()
        XCTAssertEqual(pool.dispatched.map(\.scheduledAt), [RFC3339.format(milliseconds: t0 + 2_000)],
                       "the replaced tick never starts once a slot frees")
    }

    func testAOneShotWhoseOnlyRunIsCancelledIsDone() {
        place(2, repeats: false)
        dispatcher.fire(jobID: 2, tick: t0 + 1_000, attempt: 1)
        XCTAssertEqual(dispatcher.waitingRuns, 1, "no slot: its run (id 1) waits")
        dispatcher.cancel(runIDs: [1], reason: "test")
        XCTAssertEqual(store.finishedRuns.map(\.status), [.cancelled])
        XCTAssertEqual(store.doneJobs, [2], "a one-shot with no tick left is done, not left undone until its next adoption")
    }

    func testMisfireReplaysAreNotCoalescedByTheJobsCapOfWaitingRuns() {
        place(3)
        for k in 1...20 {
            dispatcher.fire(jobID: 3, tick: t0 - Int64(k) * 1_000, attempt: 1, misfire: true)
        }
        XCTAssertEqual(dispatcher.waitingRuns, 20, "run_all's replays all wait (bounded by maxMisfireRuns, not by 10 per job)")
        XCTAssertTrue(store.finishedRuns.isEmpty)
        dispatcher.fire(jobID: 3, tick: t0 + 1_000, attempt: 1)
        XCTAssertEqual(store.finishedRuns.count, 0, "a scheduled tick beyond the cap is refused before its claim")
        XCTAssertEqual(dispatcher.waitingRuns, 20)
    }

    func testConcurrentRunNowsOfOneJobTakeTheNextFreeMillisecond() {
        place(4)
        var runs: [Run] = []
        for _ in 0..<3 {
            dispatcher.runNow(book.job(4)!) { outcome in
                if case .success(let run) = outcome { runs.append(run) }
            }
        }
        XCTAssertEqual(runs.count, 3, "no run-now fails because another took the same millisecond")
        XCTAssertEqual(Set(runs.map(\.scheduledAt)).count, 3)
    }

    func testPendingRetriesOfAJobAreBounded() {
        var draft = JobDraft(name: "flaky", frequency: "1h", startdate: t0, script: "false")
        draft.retries = 5
        draft.retryBackoffMilliseconds = 86_400_000
        _ = book.place(Job(id: 5, definition: draft, done: false, createdAt: t0, updatedAt: t0, version: 1), lastTick: nil)
        pool.slots = 100
        for k in 1...15 {
            dispatcher.fire(jobID: 5, tick: t0 + Int64(k), attempt: 1)
        }
        for request in pool.dispatched {
            dispatcher.runFinished(WorkerMessage.RunResult(
                runID: request.runID, exitCode: 1, signal: nil, timedOut: false, cancelled: false, startedAt: t0, finishedAt: t0,
                output: "", outputTruncated: false, maxRSSKilobytes: 0, cpuUserMilliseconds: 0, cpuSystemMilliseconds: 0, error: nil))
        }
        XCTAssertEqual(store.finishedRuns.filter { $0.status == .failed }.count, 15)
        XCTAssertEqual(dispatcher.pendingRetries, 10, "at most maxWaitingPerJob retries of one job wait")
    }

    func testAStopRecordsTheRunsThatNeverReachedAWorker() {
        place(6)
        dispatcher.fire(jobID: 6, tick: t0 + 1_000, attempt: 1)
        XCTAssertEqual(dispatcher.waitingRuns, 1)
        var stopped = false
        dispatcher.stop(grace: 0) { stopped = true }
        reactor.run()  // returns once the stop's timers are done: nothing else watches this loop
        XCTAssertEqual(store.finishedRuns.map(\.status), [.cancelled], "not left pending")
        XCTAssertTrue(stopped)
    }

    func testAStopRecordsLostTheRunsStillLiveAtTheEndOfTheGraceEvenWhenNoWorkerReportsThem() throws {
        place(7)
        pool.slots = 1
        dispatcher.fire(jobID: 7, tick: t0 + 1_000, attempt: 1)
        let runID = try XCTUnwrap(pool.dispatched.first?.runID)
        dispatcher.runStarted(runID: runID, workerPID: 42, at: t0 + 1_000)
        var stopped = false
        // This pool's stop reports nothing, as when the supervisor gave up on an unreaped worker.
        dispatcher.stop(grace: 0) { stopped = true }
        reactor.run()
        XCTAssertEqual(store.finishedRuns.map(\.status), [.lost], "not left running")
        XCTAssertEqual(store.finishedRuns.first?.output, "dsched: lost: the node stopped before the run ended (shutdown grace 0 s)\n")
        XCTAssertTrue(stopped)
    }
}
