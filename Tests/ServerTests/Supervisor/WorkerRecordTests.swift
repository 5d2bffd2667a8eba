// WorkerRecord and WorkerExit: a worker slot's states, restarts and back-off as its worker
// starts, dies, exits fatally or is stopped — without processes (times are arguments).
import Glibc
import Worker
import XCTest
@testable import Server

final class WorkerRecordTests: XCTestCase {
    func testReadsExitCodesAndSignalsFromTheWaitStatus() {
        XCTAssertEqual(WorkerExit(waitStatus: 3 << 8), .exited(code: 3))
        XCTAssertEqual(WorkerExit(waitStatus: 0), .exited(code: 0))
        XCTAssertEqual(WorkerExit(waitStatus: SIGKILL), .signalled(SIGKILL))
        XCTAssertEqual(WorkerExit(waitStatus: SIGSEGV | 0x80), .signalled(SIGSEGV), "a core dump is still a signal")
        XCTAssertTrue(WorkerExit(waitStatus: WorkerExitCode.fatal << 8).isFatal)
        XCTAssertFalse(WorkerExit(waitStatus: WorkerExitCode.failed << 8).isFatal)
        XCTAssertFalse(WorkerExit(waitStatus: WorkerExitCode.fatal).isFatal, "signal 64 is not exit code 64")
    }

    func testANewSlotIsStoppedWithNoProcess() {
        let record = WorkerRecord(slot: 2)
        XCTAssertEqual(record.info, WorkerInfo(slot: 2, pid: 0, state: "stopped", inFlight: 0, rssKilobytes: 0,
                                               cpuMilliseconds: 0, restarts: 0))
        XCTAssertFalse(record.hasProcess)
    }

    func testAStartedWorkerIsRunningWithItsPid() {
        var record = WorkerRecord(slot: 0)
        record.started(pid: 4242, at: 100)
        XCTAssertEqual(record.state, .running)
        XCTAssertEqual(record.info.pid, 4242)
        XCTAssertTrue(record.hasProcess)
    }

    func testAWorkerThatDiesIsRestartedAfterAGrowingBackOff() {
        var record = WorkerRecord(slot: 0)
        record.started(pid: 10, at: 100)
        XCTAssertEqual(record.exited(.signalled(SIGKILL), at: 101, supervisorStopping: false), .restart(after: 0.1))
        XCTAssertEqual(record.state, .restarting)
        XCTAssertEqual(record.pid, 0)
        record.started(pid: 11, at: 102)
        XCTAssertEqual(record.exited(.exited(code: 1), at: 103, supervisorStopping: false), .restart(after: 0.2))
        XCTAssertEqual(record.restarts, 2)
        // Living past the reset makes the next death a first one again.
        record.started(pid: 12, at: 104)
        XCTAssertEqual(record.exited(.exited(code: 0), at: 200, supervisorStopping: false), .restart(after: 0.1))
        XCTAssertEqual(record.info.restarts, 3)
    }

    func testAFatalExitLeavesTheSlotDownAndFailed() {
        var record = WorkerRecord(slot: 1)
        record.started(pid: 10, at: 100)
        XCTAssertEqual(record.exited(.exited(code: WorkerExitCode.fatal), at: 100.01, supervisorStopping: false), .leaveDown)
        XCTAssertEqual(record.info.state, "failed")
        XCTAssertEqual(record.restarts, 0)
        XCTAssertFalse(record.hasProcess)
    }

    func testAStartThatFailsIsRetriedAfterTheBackOff() {
        var record = WorkerRecord(slot: 0)
        XCTAssertEqual(record.startFailed(), 0.1)
        XCTAssertEqual(record.startFailed(), 0.2)
        XCTAssertEqual(record.state, .restarting)
        XCTAssertEqual(record.restarts, 2)
    }

    func testStoppingTheSupervisorStopsEachSlotForGood() {
        var running = WorkerRecord(slot: 0)
        running.started(pid: 10, at: 100)
        running.supervisorStopping()
        XCTAssertEqual(running.state, .stopping)
        XCTAssertEqual(running.exited(.exited(code: 0), at: 100.5, supervisorStopping: true), .leaveDown)
        XCTAssertEqual(running.state, .stopped)
        XCTAssertEqual(running.restarts, 0)

        var restarting = WorkerRecord(slot: 1)
        _ = restarting.startFailed()
        restarting.supervisorStopping()
        XCTAssertEqual(restarting.state, .stopped)

        var failed = WorkerRecord(slot: 2)
        failed.started(pid: 12, at: 100)
        _ = failed.exited(.exited(code: WorkerExitCode.fatal), at: 100, supervisorStopping: false)
        failed.supervisorStopping()
        XCTAssertEqual(failed.state, .failed)
    }

    func testEvenAFatalExitIsJustStoppedWhileTheSupervisorStops() {
        var record = WorkerRecord(slot: 0)
        record.started(pid: 10, at: 100)
        record.supervisorStopping()
        XCTAssertEqual(record.exited(.exited(code: WorkerExitCode.fatal), at: 101, supervisorStopping: true), .leaveDown)
        XCTAssertEqual(record.state, .stopped)
    }
}
