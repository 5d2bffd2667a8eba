// The supervisor with real `dsched worker` processes, on a reactor in the test process: a
// worker that exits with the fatal code is not respawned, and a staged stop asks the workers
// over the channel, which exit on their own, losing their runs and killing their scripts. And
// the worker's own side: it exits when asked, and exits with the fatal code when started wrongly.
import EventLoop
import Foundation
import Logging
import Server
import Worker
import XCTest

final class SupervisorTests: XCTestCase {
    /// Records what a worker pool tells the firing layer.
    private final class Delegate: WorkerPoolDelegate {
        var started: [Int64: Int32] = [:]
        var lost: [Int64] = []
        var ready = 0

        func runStarted(runID: Int64, workerPID: Int32, at: Int64) { started[runID] = workerPID }
        func runFinished(_ result: WorkerMessage.RunResult) {}
        func runsLost(_ requests: [WorkerMessage.RunRequest]) { lost += requests.map(\.runID) }
        func workerReady() { ready += 1 }
    }

    /// Keeps the supervisor's log lines, to tell how its workers ended.
    private final class LogLines: @unchecked Sendable {
        var lines: [(message: String, metadata: Logger.Metadata)] = []
    }

    private struct CapturingHandler: LogHandler {
        let lines: LogLines
        var logLevel = Logger.Level.trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            lines.lines.append((event.message.description, metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }

    private var reactor: Reactor!
    private let log = LogLines()

    override func setUpWithError() throws {
        reactor = try Reactor()
    }

    private func supervisor(workers: Int, logLevel: String = "error") -> Supervisor {
        var configuration = Supervisor.Configuration(workers: workers)
        configuration.executable = ServerProcess.binary.path
        configuration.logLevel = logLevel
        configuration.graceSeconds = 0.5
        // Signals only long after the ask: a worker that stops within the test's wait stopped
        // because it was asked.
        configuration.stopTerminateDelay = 60
        return Supervisor(reactor: reactor, configuration: configuration,
                          logger: Logger(label: "test.supervisor") { [log] _ in CapturingHandler(lines: log) })
    }

    /// Runs the loop until `done` holds or `seconds` pass; whether `done` held.
    @discardableResult
    private func runLoop(seconds: Double = 10, until done: @escaping () -> Bool) -> Bool {
        let reactor = reactor!
        // The loop's clock stood still since it last ran (maybe another test, long ago): timers
        // armed from that time would be due at once.
        reactor.updateNow()
        let check = TimerWatcher(reactor: reactor) { if done() { reactor.stop() } }
        let deadline = TimerWatcher(reactor: reactor) { reactor.stop() }
        check.start(after: 0.01, every: 0.01)
        deadline.start(after: seconds)
        reactor.run()
        return done()
    }

    func testAWorkerThatExitsWithTheFatalCodeIsLeftDownNotRespawned() {
        // A log level the worker rejects: it exits with the fatal code, as with any bad argument.
        let pool = supervisor(workers: 1, logLevel: "bogus")
        pool.start()
        XCTAssertTrue(runLoop { pool.workers[0].state == "failed" }, "\(pool.workers)")
        // Well past the first back-off (100 ms): still down, never restarted.
        runLoop(seconds: 0.5) { false }
        XCTAssertEqual(pool.workers[0].state, "failed")
        XCTAssertEqual(pool.workers[0].restarts, 0)
        XCTAssertEqual(pool.workers[0].pid, 0)
        XCTAssertFalse(pool.dispatch(WorkerMessage.RunRequest(
            runID: 1, jobID: 1, jobName: "j", attempt: 1, scheduledAt: "", script: "true", timeoutMilliseconds: nil, outputLimit: 10)))
        XCTAssertTrue(log.lines.contains { $0.message.contains("fatal") }, "\(log.lines)")
    }

    func testAStagedStopAsksEveryWorkerWhichExitsOnItsOwnAndItsRunsAreLost() throws {
        let pool = supervisor(workers: 2)
        let delegate = Delegate()
        pool.delegate = delegate
        pool.start()
        XCTAssertEqual(delegate.ready, 2)
        let pids = pool.workers.map(\.pid)
        let file = NSTemporaryDirectory() + "dsched-supervisor-test-\(UUID().uuidString)"
        defer { unlink(file) }
        // The shell leads the script's process group: its pid is the group's id.
        XCTAssertTrue(pool.dispatch(WorkerMessage.RunRequest(
            runID: 7, jobID: 1, jobName: "sleeper", attempt: 1, scheduledAt: "", script: "echo $$ > \(file); sleep 300",
            timeoutMilliseconds: nil, outputLimit: 10)))
        var group: pid_t?
        XCTAssertTrue(runLoop {
            group = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return delegate.started[7] != nil && group != nil
        }, "the run never started")
        let scriptGroup = try XCTUnwrap(group)

        var stopped = false
        pool.stop { stopped = true }
        XCTAssertTrue(pool.workers.allSatisfy { $0.state == "stopping" }, "\(pool.workers)")
        XCTAssertTrue(runLoop { stopped }, "the stop did not complete: \(pool.workers)")
        XCTAssertEqual(pool.workers.map(\.state), ["stopped", "stopped"])
        XCTAssertEqual(pool.workers.map(\.pid), [0, 0])
        XCTAssertEqual(delegate.lost, [7])
        XCTAssertTrue(ProcessTable.eventually(timeout: 2) { ProcessTable.liveMembers(ofGroup: scriptGroup).isEmpty })
        // Each exited by itself, as asked (exit code 0), before any signal was needed.
        let ends = log.lines.filter { $0.message == "worker stopped" }
        XCTAssertEqual(Set(ends.compactMap { $0.metadata["worker_pid"].map { "\($0)" } }), Set(pids.map { "\($0)" }))
        XCTAssertTrue(ends.allSatisfy { $0.metadata["status"].map { "\($0)" } == "exit code 0" }, "\(ends)")
        XCTAssertFalse(log.lines.contains { $0.message.contains("signalled") }, "\(log.lines)")
        // A stopped pool starts nothing again, and a late stop completes at once.
        var again = false
        pool.stop { again = true }
        XCTAssertTrue(again)
    }

    func testAWorkerAskedToStopOverTheChannelExitsAndKillsItsScripts() throws {
        let worker = try WorkerConnection()
        try worker.run(1, "sleep 300")
        let started = try worker.started(1)
        try worker.send(.stop)
        XCTAssertEqual(worker.waitForExit(), 0, worker.log)
        XCTAssertTrue(ProcessTable.eventually(timeout: 2) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
    }

    func testAWorkerGivenAnUnusableChannelOrBadArgumentsExitsWithTheFatalCode() throws {
        for arguments in [["--fd", "57"], ["--fd", "3", "--max-concurrent", "0"], ["--fd", "3", "--no-such-option"]] {
            let child = try Subprocess.spawn(ServerProcess.binary.path, ["worker"] + arguments)
            XCTAssertEqual(child.wait(timeout: 10), WorkerExitCode.fatal, "dsched worker \(arguments)")
        }
    }
}
