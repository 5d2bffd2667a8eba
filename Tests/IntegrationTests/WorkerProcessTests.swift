// Runs the built `dsched worker` as the master does — its end of a socketpair as fd 3 — and
// checks what it reports and what happens to the scripts' processes.
import Foundation
import Worker
import XCTest

final class WorkerProcessTests: XCTestCase {
    private var files: [String] = []

    override func tearDown() {
        files.forEach { unlink($0) }
        super.tearDown()
    }

    private func temporaryFile() -> String {
        let path = NSTemporaryDirectory() + "dsched-worker-test-\(UUID().uuidString)"
        files.append(path)
        return path
    }

    /// The pid a script wrote to `path`, once it is there.
    private func pid(writtenTo path: String) throws -> pid_t {
        var pid: pid_t?
        _ = ProcessTable.eventually(timeout: 5) {
            pid = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return pid != nil
        }
        guard let pid else { throw TestFailure("no pid in \(path)") }
        return pid
    }

    func testReportsStartedThenFinishedWithExitCodeAndOutput() throws {
        let worker = try WorkerConnection()
        try worker.run(1, "echo hi; exit 3")
        let started = try worker.started(1)
        let result = try worker.finished(1)
        XCTAssertGreaterThan(started.pid, 0)
        XCTAssertEqual(startsAndFinishes(worker), ["s1", "f1"])
        XCTAssertEqual(result.exitCode, 3)
        XCTAssertNil(result.signal)
        XCTAssertEqual(result.output, "hi\n")
        XCTAssertFalse(result.outputTruncated)
        XCTAssertFalse(result.timedOut)
        XCTAssertFalse(result.cancelled)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.startedAt, started.at)
        XCTAssertGreaterThanOrEqual(result.finishedAt, result.startedAt)
    }

    func testStdoutAndStderrShareOneOutputAndStdinIsEmpty() throws {
        let worker = try WorkerConnection()
        try worker.run(1, "echo out; echo err >&2; cat; echo end")
        let result = try worker.finished(1)
        XCTAssertEqual(result.output, "out\nerr\nend\n")
        XCTAssertEqual(result.exitCode, 0)
    }

    func testScriptsGetDefaultSignalDispositionsThoughTheWorkerIgnoresSomeSignals() throws {
        // The worker ignores SIGPIPE and SIGINT; ignored signals would survive exec.
        let worker = try WorkerConnection()
        try worker.run(1, "kill -PIPE $$; echo survived")
        try worker.run(2, "kill -INT $$; echo survived")
        XCTAssertEqual(try worker.finished(1).signal, SIGPIPE)
        XCTAssertEqual(try worker.finished(2).signal, SIGINT)
    }

    func testScriptSeesTheRunsVariablesAndTheWorkersEnvironment() throws {
        let worker = try WorkerConnection(environment: ["DSCHED_TEST_INHERITED": "from the worker", "DSCHED_JOB_ID": "stale"])
        try worker.send(.run(WorkerMessage.RunRequest(
            runID: 42, jobID: 7, jobName: "nightly 'backup' \"db\"", attempt: 3, scheduledAt: "2026-03-29T01:30:00Z",
            script: #"printf '%s|%s|%s|%s|%s|%s' "$DSCHED_JOB_ID" "$DSCHED_JOB_NAME" "$DSCHED_RUN_ID" "$DSCHED_SCHEDULED_AT" "$DSCHED_ATTEMPT" "$DSCHED_TEST_INHERITED""#,
            timeoutMilliseconds: nil, outputLimit: 4096)))
        let result = try worker.finished(42)
        XCTAssertEqual(result.output, #"7|nightly 'backup' "db"|42|2026-03-29T01:30:00Z|3|from the worker"#)
    }

    func testOutputOverTheLimitKeepsTheLastBytes() throws {
        let worker = try WorkerConnection()
        // 1000 lines of 5 bytes: "0000\n" ... "0999\n".
        try worker.run(1, #"i=0; while [ $i -lt 1000 ]; do printf '%04d\n' $i; i=$((i+1)); done"#, outputLimit: 12)
        try worker.run(2, "printf 'exactly ten'", outputLimit: 11)
        let truncated = try worker.finished(1)
        XCTAssertEqual(truncated.output, "7\n0998\n0999\n")
        XCTAssertTrue(truncated.outputTruncated)
        let exact = try worker.finished(2)
        XCTAssertEqual(exact.output, "exactly ten")
        XCTAssertFalse(exact.outputTruncated)
    }

    func testAFloodOfOutputCostsOnlyItsTail() throws {
        let worker = try WorkerConnection()
        // About 20 MB through the pipe; 100 bytes kept.
        try worker.run(1, "yes 0123456789 | head -c 20000000; echo; echo last line", outputLimit: 100)
        let result = try worker.finished(1, timeout: 60)
        XCTAssertTrue(result.outputTruncated)
        XCTAssertEqual(result.output.utf8.count, 100)
        // 20000000 = 1818181 lines of 11 bytes and "012345678"; then echo's newline.
        XCTAssertTrue(result.output.hasSuffix("0123456789\n012345678\nlast line\n"), result.output)
        XCTAssertEqual(result.exitCode, 0)
    }

    func testTimeoutKillsTheWholeGroupIncludingAGrandchild() throws {
        let worker = try WorkerConnection(arguments: ["--grace", "0.5"])
        let file = temporaryFile()
        try worker.run(1, "sleep 300 & echo $! > \(file); sleep 300", timeoutMilliseconds: 300)
        _ = try worker.started(1)
        let grandchild = try pid(writtenTo: file)
        let result = try worker.finished(1)
        XCTAssertTrue(result.timedOut)
        XCTAssertFalse(result.cancelled)
        XCTAssertNil(result.exitCode)
        XCTAssertEqual(result.signal, SIGTERM)
        XCTAssertTrue(ProcessTable.eventually(timeout: 1) { !ProcessTable.isAlive(grandchild) }, "grandchild \(grandchild) survived")
    }

    func testAScriptThatIgnoresTermIsKilledAfterTheGracePeriod() throws {
        let worker = try WorkerConnection(arguments: ["--grace", "0.5"])
        // An ignored signal stays ignored across exec: the sleep ignores TERM too.
        try worker.run(1, "trap '' TERM; sleep 300", timeoutMilliseconds: 200)
        let started = try worker.started(1)
        let result = try worker.finished(1)
        XCTAssertTrue(result.timedOut)
        XCTAssertEqual(result.signal, SIGKILL)
        XCTAssertTrue(ProcessTable.eventually(timeout: 1) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
    }

    func testABackgroundProcessHoldingThePipeDoesNotHoldTheRun() throws {
        let worker = try WorkerConnection()
        let file = temporaryFile()
        try worker.run(1, "sleep 300 & echo $! > \(file); echo done")
        let result = try worker.finished(1)
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.output, "done\n")
        // Not timed out nor cancelled: what it left running is the script's business.
        let background = try pid(writtenTo: file)
        kill(background, SIGKILL)
    }

    func testRunsSeveralScriptsAtOnce() throws {
        let worker = try WorkerConnection()
        let runs: [Int64] = [1, 2, 3, 4, 5]
        for run in runs {
            try worker.run(run, "sleep 1")
        }
        let results = try runs.map { try worker.finished($0) }
        XCTAssertEqual(results.map(\.exitCode), Array(repeating: 0, count: runs.count))
        // Every run started before any finished: they overlapped.
        let order = startsAndFinishes(worker)
        XCTAssertEqual(order.count, 10)
        XCTAssertTrue(order.prefix(5).allSatisfy { $0.hasPrefix("s") }, "\(order)")
        let starts = try runs.map { try worker.started($0) }
        XCTAssertLessThan(starts.map(\.at).max()!, results.map(\.finishedAt).min()!)
    }

    /// "s<run>" for each started and "f<run>" for each finished message, in the order sent.
    private func startsAndFinishes(_ worker: WorkerConnection) -> [String] {
        worker.received.compactMap { message -> String? in
            switch message {
            case .started(let runID, _, _): return "s\(runID)"
            case .finished(let result): return "f\(result.runID)"
            default: return nil
            }
        }
    }

    func testRunsBeyondMaxConcurrentWaitTheirTurnInOrder() throws {
        let worker = try WorkerConnection(arguments: ["--max-concurrent", "1"])
        let runs: [Int64] = [1, 2, 3, 4]
        for run in runs {
            try worker.run(run, "sleep 0.05; echo \(run)")
        }
        let results = try runs.map { try worker.finished($0) }
        XCTAssertEqual(results.map(\.output), runs.map { "\($0)\n" })
        // One at a time, in order: started 1, finished 1, started 2, finished 2, ...
        XCTAssertEqual(startsAndFinishes(worker), ["s1", "f1", "s2", "f2", "s3", "f3", "s4", "f4"])
    }

    func testCancelStopsARunningScriptAndAWaitingOne() throws {
        let worker = try WorkerConnection(arguments: ["--max-concurrent", "1", "--grace", "0.5"])
        try worker.run(1, "sleep 300")
        try worker.run(2, "echo never")
        let started = try worker.started(1)
        try worker.send(.cancel(runID: 2))
        let waiting = try worker.finished(2)
        XCTAssertTrue(waiting.cancelled)
        XCTAssertNil(waiting.exitCode)
        XCTAssertEqual(waiting.output, "")
        try worker.send(.cancel(runID: 1))
        let running = try worker.finished(1)
        XCTAssertTrue(running.cancelled)
        XCTAssertFalse(running.timedOut)
        XCTAssertEqual(running.signal, SIGTERM)
        XCTAssertTrue(ProcessTable.eventually(timeout: 1) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
        // Run 2 never started.
        XCTAssertFalse(startsAndFinishes(worker).contains("s2"))
        // A cancel for a run that is over is ignored; the worker carries on.
        try worker.send(.cancel(runID: 1))
        try worker.run(3, "echo still here")
        XCTAssertEqual(try worker.finished(3).output, "still here\n")
    }

    func testClosingTheChannelMakesTheWorkerExitAndKillsItsScripts() throws {
        let worker = try WorkerConnection()
        let file = temporaryFile()
        try worker.run(1, "sleep 300 & echo $! > \(file); sleep 300")
        let started = try worker.started(1)
        let grandchild = try pid(writtenTo: file)
        worker.closeChannel()
        XCTAssertEqual(worker.waitForExit(), 0, worker.log)
        XCTAssertTrue(ProcessTable.eventually(timeout: 2) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
        XCTAssertFalse(ProcessTable.isAlive(grandchild))
    }

    func testTheWorkerDiesWithItsParentAndKillsItsScripts() throws {
        let worker = try WorkerConnection(viaShell: true)
        try worker.run(1, "sleep 300")
        let started = try worker.started(1)
        // The parent dies; the channel stays open (the test holds the other end): only the
        // parent-death signal can tell the worker.
        worker.signal(SIGKILL)
        XCTAssertTrue(worker.channelCloses(within: 5), worker.log)
        XCTAssertTrue(ProcessTable.eventually(timeout: 2) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
    }

    func testSIGTERMMakesTheWorkerExitAndKillsItsScripts() throws {
        let worker = try WorkerConnection()
        try worker.run(1, "sleep 300")
        let started = try worker.started(1)
        worker.signal(SIGTERM)
        XCTAssertEqual(worker.waitForExit(), 0, worker.log)
        XCTAssertTrue(ProcessTable.eventually(timeout: 2) { ProcessTable.liveMembers(ofGroup: started.pid).isEmpty })
    }

    func testAFrameOfAnotherProtocolVersionEndsTheWorkerWithAnError() throws {
        let worker = try WorkerConnection()
        try worker.sendBytes([0, 0, 0, 2, Frame.version + 1, 1])
        XCTAssertEqual(worker.waitForExit(), 1, worker.log)
        XCTAssertTrue(worker.log.contains("protocol error"), worker.log)
    }

    func testReportsResourceUsageOfRunsAndOfTheWorker() throws {
        let worker = try WorkerConnection()
        try worker.run(1, #"i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo $i"#)
        let result = try worker.finished(1, timeout: 60)
        XCTAssertEqual(result.output, "100000\n")
        XCTAssertGreaterThan(result.maxRSSKilobytes, 0)
        XCTAssertGreaterThanOrEqual(result.cpuUserMilliseconds, 0)
        XCTAssertGreaterThanOrEqual(result.cpuSystemMilliseconds, 0)
        let message = try worker.waitFor(timeout: 5, "stats") { if case .stats = $0 { return true } else { return false } }
        guard case .stats(let stats) = message else { return XCTFail("not stats: \(message)") }
        XCTAssertGreaterThan(stats.rssKilobytes, 0)
        XCTAssertGreaterThanOrEqual(stats.cpuMilliseconds, 0)
        XCTAssertEqual(stats.running, 0)
    }
}
