// RunDispatcher against a recording run store and a worker pool whose free slots a test sets:
// what becomes of runs waiting for a slot under `replace`, whether a one-shot whose only
// run was cancelled is left undone, and what a stop records. No reactor loop runs: claims complete at once.
import EventLoop
import Logging
@testable import Server
import Worker
import XCTest

/// A RunStore that wins every free claim at once (ids from 1), keeps the rows, and records
/// what is written; `loseNextReply` makes the next claim commit and then fail as a connection
/// lost after COMMIT does.
private final class RecordingRunStore: RunStore {
    private var nextID: Int64 = 0
    var rows: [TickClaim: Run] = [:]
    var finishedRuns: [Run] = []
    var doneJobs: [Int64] = []
    var loseNextReply = false
    var orphanSweeps: [[Int64]] = []

    var droppedRetries: [Int64] = []

    func claim(_ claims: [TickClaim], nodeID: String, skipReason: String?, concurrency: JobDraft.Concurrency, reclaim: Bool,
               completion: @escaping (Result<[Run], StoreError>) -> Void) {
        var won: [Run] = []
        for claim in claims {
            if var row = rows[claim] {
                guard reclaim, row.nodeID == nodeID, row.status == .pending else { continue }
                row.status = skipReason == nil ? .pending : .skipped
                row.output = skipReason ?? ""
                rows[claim] = row
                won.append(row)
                continue
            }
            nextID += 1
            let row = Run(id: nextID, jobID: claim.jobID, scheduledAt: claim.scheduledAt, attempt: claim.attempt, nodeID: nodeID,
                          workerPID: nil, status: skipReason == nil ? .pending : .skipped, startedAt: nil, finishedAt: nil,
                          exitCode: nil, signal: nil, output: skipReason ?? "", outputTruncated: false)
            rows[claim] = row
            won.append(row)
        }
        guard !loseNextReply else {
            loseNextReply = false
            return completion(.failure(.unavailable("connection lost after COMMIT")))
        }
        completion(.success(won))
    }

    func recordOrphans(nodeID: String, holding: [Int64], olderThan seconds: Double,
                       completion: @escaping (Result<[Int64], StoreError>) -> Void) {
        orphanSweeps.append(holding.sorted())
        completion(.success([]))
    }

    func started(runID: Int64, workerPID: Int32, at: Int64) {}
    func finished(_ run: Run) { finishedRuns.append(run) }
    var hasPendingWrites: Bool { false }
    func markDone(jobID: Int64) { doneJobs.append(jobID) }
    func run(id: Int64, completion: @escaping (Result<Run?, StoreError>) -> Void) { completion(.success(nil)) }
    func runs(jobID: Int64, before: Int64, limit: Int, completion: @escaping (Result<[Run], StoreError>) -> Void) { completion(.success([])) }
    func lastTicks(jobIDs: [Int64], completion: @escaping (Result<[Int64: Int64], StoreError>) -> Void) { completion(.success([:])) }
    func recordLost(_ scope: LostRunScope, completion: @escaping (Result<[String: Int], StoreError>) -> Void) { completion(.success([:])) }
    func retries(jobIDs: [Int64], completion: @escaping (Result<[StoredRetry], StoreError>) -> Void) { completion(.success([])) }
    func dueRetries(within milliseconds: Int64, limit: Int, completion: @escaping (Result<[StoredRetry], StoreError>) -> Void) {
        completion(.success([]))
    }
    func dropRetries(runIDs: [Int64]) { droppedRetries += runIDs }
}

/// A WorkerPool with `slots` free slots that keeps what it was sent.
private final class RecordingPool: WorkerPool {
    weak var delegate: WorkerPoolDelegate?
    var slots = 0
    var dispatched: [WorkerMessage.RunRequest] = []
    var cancelled: [Int64] = []
    var killed: [Int64] = []

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
    func kill(runID: Int64) { killed.append(runID) }
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
        XCTAssertEqual(store.finishedRuns.map(\.retryAt), Array(repeating: t0 + 86_400_000, count: 10) + Array(repeating: nil, count: 5),
                       "a timed retry is recorded with its run's end (retry_at); one over the bound is not")
    }

    func testStoredRetriesAreTimedOnceWithinTheBoundAndTheRestCleared() {
        var draft = JobDraft(name: "flaky", frequency: "1h", startdate: t0, script: "false")
        draft.retries = 3
        _ = book.place(Job(id: 7, definition: draft, done: false, createdAt: t0, updatedAt: t0, version: 1), lastTick: nil)
        draft.paused = true
        _ = book.place(Job(id: 8, definition: draft, done: false, createdAt: t0, updatedAt: t0, version: 1), lastTick: nil)
        let stored = (1...12).map { k in
            StoredRetry(runID: Int64(100 + k), claim: TickClaim(jobID: 7, scheduledAt: t0 - Int64(k), attempt: 2), dueAt: t0 + 5_000)
        }
        let elsewhere = [StoredRetry(runID: 200, claim: TickClaim(jobID: 8, scheduledAt: t0, attempt: 2), dueAt: t0),
                         StoredRetry(runID: 201, claim: TickClaim(jobID: 9, scheduledAt: t0, attempt: 2), dueAt: t0)]
        dispatcher.takeStoredRetries(stored + elsewhere)
        XCTAssertEqual(dispatcher.pendingRetries, 10, "at most maxWaitingPerJob retries of one job are timed")
        XCTAssertEqual(store.droppedRetries, [111, 112], "those over the bound are cleared in the store; a paused job's and one not in the book are left")
        dispatcher.takeStoredRetries(Array(stored.prefix(3)))
        XCTAssertEqual(dispatcher.pendingRetries, 10, "a retry held already (read again by the next poll) is not timed twice")
        XCTAssertEqual(store.droppedRetries, [111, 112])
        dispatcher.dropRetries(of: [7])
        XCTAssertEqual(dispatcher.pendingRetries, 0, "a disowned job's retries are dropped here (they stay in the store)")
    }

    func testAStoredRetryWhoseRunIsLiveHereIsNotFiredAgain() {
        place(10, concurrency: .replace)
        dispatcher.fire(jobID: 10, tick: t0, attempt: 2)
        XCTAssertEqual(dispatcher.waitingRuns, 1, "the retry's run (attempt 2) is live here")
        dispatcher.takeStoredRetries([StoredRetry(runID: 99, claim: TickClaim(jobID: 10, scheduledAt: t0, attempt: 2), dueAt: t0)])
        XCTAssertEqual(dispatcher.pendingRetries, 0, "a poll that read the retry before its claim committed does not time it again")
        XCTAssertTrue(store.finishedRuns.isEmpty, "so no second firing replaces (cancels) the retry's own run")
    }

    func testATickWhoseClaimCommittedButLostItsReplyRunsOnceWhenClaimedAgain() {
        place(7)
        pool.slots = 4
        store.loseNextReply = true
        dispatcher.fire(jobID: 7, tick: t0 + 1_000, attempt: 1)
        XCTAssertTrue(pool.dispatched.isEmpty, "the claim failed: nothing runs yet")
        XCTAssertEqual(store.rows.count, 1, "but its row was committed, pending")
        dispatcher.claimWaiting()
        XCTAssertEqual(pool.dispatched.map(\.runID), [1], "claimed again, the tick wins its own pending row back and runs")
        dispatcher.claimWaiting()
        dispatcher.fire(jobID: 7, tick: t0 + 1_000, attempt: 1, reclaim: true)
        XCTAssertEqual(pool.dispatched.count, 1, "a tick fired again while its run is live does not run twice")
    }

    func testARowTheNodeAlreadyRunsIsNotWonAgainByAReclaim() {
        place(8)
        pool.slots = 4
        dispatcher.fire(jobID: 8, tick: t0 + 1_000, attempt: 1)
        XCTAssertEqual(pool.dispatched.count, 1)
        var outcome: Result<Run?, StoreError>?
        dispatcher.claimAndDispatch(TickClaim(jobID: 8, scheduledAt: t0 + 1_000, attempt: 1), job: book.job(8)!, misfire: false,
                                    reclaim: true) { outcome = $0 }
        XCTAssertEqual(outcome, .success(nil), "the store hands the live row back; the dispatcher counts it as not won")
        XCTAssertEqual(pool.dispatched.count, 1)
    }

    func testAForbidSkipOfATickWhoseReplyWasLostRecordsItsOwnRowSkipped() {
        place(9, concurrency: .forbid)
        store.loseNextReply = true
        dispatcher.fire(jobID: 9, tick: t0 + 1_000, attempt: 1)
        dispatcher.fire(jobID: 9, tick: t0 + 2_000, attempt: 1)
        XCTAssertEqual(dispatcher.waitingRuns, 1, "the second tick won; its run waits for a slot")
        dispatcher.claimWaiting()
        XCTAssertEqual(store.rows[TickClaim(jobID: 9, scheduledAt: t0 + 1_000, attempt: 1)]?.status, .skipped,
                       "forbid skips the first tick: its orphaned pending row ends skipped, not pending")
        XCTAssertEqual(dispatcher.waitingRuns, 1)
    }

    func testTheOrphanSweepSparesTheLiveRunsAndWaitsWhileTicksWaitForTheStore() {
        place(10)
        dispatcher.fire(jobID: 10, tick: t0 + 1_000, attempt: 1)
        dispatcher.recordOrphans()
        XCTAssertEqual(store.orphanSweeps, [[1]], "the waiting run is held, not an orphan")
        store.loseNextReply = true
        dispatcher.fire(jobID: 10, tick: t0 + 2_000, attempt: 1)
        dispatcher.recordOrphans()
        XCTAssertEqual(store.orphanSweeps.count, 1, "no sweep while a tick waits to be claimed again (its reclaim comes first)")
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

    func testAFenceKillsItsLiveRunsAndHoldsTheRunsNotStartedAndTheTicksDueUntilTheLeaseIsRenewed() {
        place(7)
        pool.slots = 1
        dispatcher.fire(jobID: 7, tick: t0 + 1_000, attempt: 1)
        dispatcher.fire(jobID: 7, tick: t0 + 2_000, attempt: 1)
        XCTAssertEqual(pool.dispatched.map(\.runID), [1], "run 1 is on a worker, run 2 waits for a slot")
        dispatcher.fence()
        XCTAssertEqual(store.finishedRuns.map(\.status), [], "the waiting run is not recorded: its row is held")
        XCTAssertEqual(pool.killed, [1], "the live run is killed at once, without the kill grace")
        XCTAssertEqual(pool.cancelled, [], "not through the cancel path, whose grace could outlast the lease")
        dispatcher.runFinished(WorkerMessage.RunResult(
            runID: 1, exitCode: nil, signal: 15, timedOut: false, cancelled: true, startedAt: t0, finishedAt: t0,
            output: "", outputTruncated: false, maxRSSKilobytes: 0, cpuUserMilliseconds: 0, cpuSystemMilliseconds: 0, error: nil))
        XCTAssertEqual(store.finishedRuns.map(\.status), [.lost], "the stopped run is recorded lost, not cancelled")
        pool.slots = 1
        dispatcher.fire(jobID: 7, tick: t0 + 3_000, attempt: 1)
        XCTAssertEqual(pool.dispatched.count, 1, "nothing is claimed while fenced")
        var refused = false
        dispatcher.runNow(book.job(7)!) { outcome in
            if case .failure(.unavailable) = outcome { refused = true }
        }
        XCTAssertTrue(refused, "a run-now is refused while fenced")
        pool.slots = 2
        dispatcher.unfence()
        XCTAssertEqual(pool.dispatched.map(\.runID), [1, 2, 3],
                       "once the lease is renewed, the run held through the fence (its row taken back) and the tick due meanwhile run")
        XCTAssertEqual(pool.dispatched.map(\.scheduledAt).last, RFC3339.format(milliseconds: t0 + 3_000),
                       "the tick held during the fence is claimed once the lease is renewed")
    }

    func testARetryFiredAgainWhileItsOwnRunIsLiveHereLeavesThatRunAlone() {
        place(10, concurrency: .replace)
        dispatcher.fire(jobID: 10, tick: t0, attempt: 2)
        XCTAssertEqual(dispatcher.waitingRuns, 1, "the retry's run (attempt 2) is live here")
        // The same retry again: timed here and read back from the store before its claim's answer.
        dispatcher.fire(jobID: 10, tick: t0, attempt: 2)
        XCTAssertTrue(store.finishedRuns.isEmpty, "under replace, firing it again does not cancel its own run")
        XCTAssertEqual(dispatcher.waitingRuns, 1)
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
