// The firing layer's small pure rules: retry back-off, the mapping of a worker's report to a
// run's status and output, live-run bookkeeping for the concurrency policy, and the bounded
// backlog of ticks that wait for the store.
@testable import Server
import Worker
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testDelayDoublesFromTheBackoffPerAttempt() {
        let policy = RetryPolicy(retries: 3, backoff: 1_000)
        XCTAssertEqual((1...4).map { policy.delay(attempt: $0) }, [1_000, 2_000, 4_000, 8_000])
    }

    func testDelaySaturatesAtThirtyDaysWhateverTheBackoffAndAttempt() {
        XCTAssertEqual(RetryPolicy(retries: 100, backoff: Int64.max / 2).delay(attempt: 64), RetryPolicy.maxDelay)
        XCTAssertEqual(RetryPolicy(retries: 100, backoff: 1_000).delay(attempt: 1_000), RetryPolicy.maxDelay)
        XCTAssertEqual(RetryPolicy(retries: 1, backoff: 0).delay(attempt: 1), 0)
    }

    func testOnlyFailuresAreRetriedAndOnlyWhileAttemptsRemain() {
        let policy = RetryPolicy(retries: 2, backoff: 10)
        for status in [Run.Status.failed, .timedOut, .lost] {
            XCTAssertTrue(policy.retries(status, attempt: 1), "\(status)")
            XCTAssertTrue(policy.retries(status, attempt: 2), "\(status)")
            XCTAssertFalse(policy.retries(status, attempt: 3), "\(status): attempts exhausted")
        }
        for status in [Run.Status.succeeded, .cancelled, .skipped] {
            XCTAssertFalse(policy.retries(status, attempt: 1), "\(status)")
        }
        XCTAssertFalse(RetryPolicy(retries: 0, backoff: 10).retries(.failed, attempt: 1))
    }
}

final class RunOutcomeTests: XCTestCase {
    private func result(exit: Int32? = 0, timedOut: Bool = false, cancelled: Bool = false, output: String = "ok\n",
                        error: String? = nil) -> WorkerMessage.RunResult {
        WorkerMessage.RunResult(runID: 1, exitCode: exit, signal: exit == nil ? 9 : nil, timedOut: timedOut, cancelled: cancelled,
                                startedAt: 0, finishedAt: 1, output: output, outputTruncated: false, maxRSSKilobytes: 0,
                                cpuUserMilliseconds: 0, cpuSystemMilliseconds: 0, error: error)
    }

    func testExitCodesMapToSucceededAndFailed() {
        XCTAssertEqual(RunOutcome(result(exit: 0)).status, .succeeded)
        XCTAssertEqual(RunOutcome(result(exit: 3)).status, .failed)
        XCTAssertEqual(RunOutcome(result(exit: nil)).status, .failed, "killed by a signal")
    }

    func testCancelAndTimeoutWinOverTheExitCode() {
        XCTAssertEqual(RunOutcome(result(exit: nil, timedOut: true)).status, .timedOut)
        XCTAssertEqual(RunOutcome(result(exit: nil, cancelled: true)).status, .cancelled)
        XCTAssertEqual(RunOutcome(result(exit: nil, timedOut: true, cancelled: true)).status, .cancelled)
    }

    func testAScriptThatCouldNotStartFailsWithItsErrorFirstInTheOutput() {
        let outcome = RunOutcome(result(exit: nil, output: "tail", error: "ENOENT"))
        XCTAssertEqual(outcome.status, .failed)
        XCTAssertEqual(outcome.output, "dsched: could not start the script: ENOENT\ntail")
    }

    func testNULIsDroppedFromTheOutput() {
        XCTAssertEqual(RunOutcome(result(output: "a\0b\0")).output, "ab")
    }
}

final class LiveRunsTests: XCTestCase {
    private let claim = TickClaim(jobID: 7, scheduledAt: 1_000, attempt: 1)

    func testAJobIsBusyWhileATickIsBeingClaimedOrARunIsLive() {
        var live = LiveRuns()
        XCTAssertFalse(live.isBusy(7))
        live.claimStarted(7)
        XCTAssertTrue(live.isBusy(7))
        live.insert(runID: 1, claim: claim, maxConcurrency: nil)
        live.claimEnded(7)
        XCTAssertTrue(live.isBusy(7))
        XCTAssertEqual(live.runIDs(of: 7), [1])
        XCTAssertEqual(live.remove(1)?.claim, claim)
        XCTAssertFalse(live.isBusy(7))
        XCTAssertNil(live.remove(1), "a run is recorded once")
    }

    func testStartedRecordsTheWorkerAndTheTime() {
        var live = LiveRuns()
        live.insert(runID: 1, claim: claim, maxConcurrency: nil)
        live.started(runID: 1, workerPID: 42, at: 1_005)
        XCTAssertEqual(live[1]?.workerPID, 42)
        XCTAssertEqual(live[1]?.startedAt, 1_005)
        live.started(runID: 2, workerPID: 43, at: 1_006)
        XCTAssertNil(live[2], "a report for an unknown run changes nothing")
    }

    func testUnbalancedClaimEndsDoNotGoNegative() {
        var live = LiveRuns()
        live.claimEnded(7)
        live.claimStarted(7)
        XCTAssertTrue(live.isBusy(7))
        live.claimEnded(7)
        XCTAssertFalse(live.isBusy(7))
    }
}

final class TickBacklogTests: XCTestCase {
    func testTheOldestClaimIsDroppedPastTheBoundAndTheRestComeBackInOrder() {
        var backlog = TickBacklog(limit: 2)
        let claims = (1...3).map { TickClaim(jobID: $0, scheduledAt: $0 * 1_000, attempt: 1) }
        XCTAssertNil(backlog.append(claims[0]))
        XCTAssertNil(backlog.append(claims[1]))
        XCTAssertEqual(backlog.append(claims[2]), claims[0])
        XCTAssertEqual(backlog.takeAll(), [claims[1], claims[2]])
        XCTAssertTrue(backlog.isEmpty)
    }
}
