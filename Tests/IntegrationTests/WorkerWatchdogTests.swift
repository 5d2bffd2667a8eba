// Worker liveness both ways, with the real binary (issue 12, hole 3): a worker that is alive but
// silent (SIGSTOP) is killed after --worker-timeout, its run recorded lost and retried, its slot
// respawned and its script killed; a worker whose master is silent (SIGSTOP) longer than its
// fence kills its runs and exits, and the node recovers on SIGCONT; a worker killed with
// SIGKILL leaves no process of its runs behind, not even one that left the run's group.
import Foundation
import XCTest

final class WorkerWatchdogTests: SingleNodeTestCase {
    /// A `sleep` argument no other process on the host runs: its command line finds it.
    private func marker() -> String { "30.\(UInt32.random(in: 100_000...999_999))" }

    private func workers() throws -> [[String: Any]] {
        try client.request("GET", "/workers").object["workers"] as? [[String: Any]] ?? []
    }

    /// The pid of the worker running `runID` (job_run.worker_pid), once it started.
    private func workerPID(of runID: Int) throws -> pid_t {
        var pid: pid_t = 0
        XCTAssertTrue(try waitUntil(timeout: 10) {
            pid = pid_t(try database.query("SELECT coalesce(worker_pid, 0) FROM job_run WHERE id = \(runID) AND status = 'running'")) ?? 0
            return pid > 0
        }, "run \(runID) started")
        return pid
    }

    func testAStoppedWorkerIsKilledItsRunLostAndRetriedItsSlotRespawnedAndItsScriptGone() throws {
        try start(["--workers", "1", "--worker-timeout", "2"])
        let sleep = marker()
        let job = try create(#"""
            {"name":"stalls once","frequency":"1h","retries":1,"retry_backoff":"100ms",
             "script":"if [ \"$DSCHED_ATTEMPT\" = 1 ]; then sleep \#(sleep); fi; echo attempt $DSCHED_ATTEMPT"}
            """#)
        let runID = try runNow(job)
        let worker = try workerPID(of: runID)
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) { !ProcessTable.liveProcesses(commandLineContaining: "sleep \(sleep)").isEmpty })
        kill(worker, SIGSTOP)
        defer { kill(worker, SIGKILL) }
        XCTAssertTrue(try waitUntil(timeout: 20) {
            try database.query("SELECT status FROM job_run WHERE id = \(runID)") == "lost"
        }, "the stopped worker's run is recorded lost")
        XCTAssertTrue(try waitUntil(timeout: 20) { try count(job, "attempt = 2 AND status = 'succeeded'") == 1 },
                      "its retry ran on the respawned worker and succeeded")
        XCTAssertTrue(try database.query("SELECT output FROM job_run WHERE job_id = \(job) AND attempt = 2").contains("attempt 2"))
        XCTAssertFalse(ProcessTable.isAlive(worker), "the silent worker was killed")
        XCTAssertEqual(ProcessTable.liveProcesses(commandLineContaining: "sleep \(sleep)"), [], "its script is gone")
        let slots = try workers()
        XCTAssertEqual(slots.count, 1)
        XCTAssertEqual(slots.first?["state"] as? String, "running", "the slot came back")
        XCTAssertNotEqual(slots.first?["pid"] as? Int, Int(worker))
        XCTAssertTrue(server.log.contains("worker silent: killed"), "the kill is logged")
    }

    func testAWorkerWhoseMasterIsStoppedLongerThanTheFenceKillsItsScriptAndTheNodeRecovers() throws {
        try start(["--workers", "1"])
        let beat = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-beat-\(UUID().uuidString)").path
        let escaped = beat + "-escaped"
        defer { [beat, escaped].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        // The script beats, and so does a process it started that left its group (setsid).
        let loop = "while true; do date +%s%N > $0; sleep 0.2; done"
        let job = try create(#"{"name":"beats","frequency":"1h","script":"setsid sh -c '\#(loop)' \#(escaped) & sh -c '\#(loop)' \#(beat)"}"#)
        let runID = try runNow(job)
        _ = try workerPID(of: runID)
        func beatText() -> String { [beat, escaped].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }.joined(separator: "/") }
        let first = beatText()
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            let now = beatText()
            return !now.hasPrefix("/") && !now.hasSuffix("/") && now.split(separator: "/").allSatisfy { !first.contains($0) }
        }, "the script and its escaped process beat")
        server.signal(SIGSTOP)
        var resumed = false
        defer { if !resumed { server.signal(SIGCONT) } }
        // The fence is 5 s; the script's beats must stop while the master is still stopped.
        XCTAssertTrue(ProcessTable.eventually(timeout: 15) {
            let before = beatText()
            // A signal (SIGCHLD, once a loop of this process watches children) cuts usleep short.
            let second = Date().addingTimeInterval(1)
            while Date() < second { usleep(50_000) }
            return beatText() == before
        }, "the script stopped beating while the master was stopped")
        XCTAssertTrue(server.isRunning, "the master is stopped, not dead")
        server.signal(SIGCONT)
        resumed = true
        XCTAssertTrue(try waitUntil(timeout: 15) {
            try database.query("SELECT status FROM job_run WHERE id = \(runID)") == "lost"
        }, "the fenced run is recorded lost once the master runs again")
        let after = try runScriptOnce(client, script: "echo recovered")
        XCTAssertEqual(after["status"] as? String, "succeeded", "the node runs scripts again")
        XCTAssertTrue(server.log.contains("worker fenced"), "the worker logged its fence")
    }

    func testAWorkerKilledWithSIGKILLLeavesNoProcessOfItsRunsBehind() throws {
        try start(["--workers", "1"])
        let (inGroup, escaped, shell) = (marker(), marker(), marker())
        // A grandchild in the run's group, one that left it (setsid), and the script's own sleep.
        let job = try create(#"""
            {"name":"tree","frequency":"1h","script":"sh -c 'sleep \#(inGroup)' & setsid sleep \#(escaped) & sleep \#(shell)"}
            """#)
        let runID = try runNow(job)
        let worker = try workerPID(of: runID)
        let markers = [inGroup, escaped, shell].map { "sleep \($0)" }
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            markers.allSatisfy { !ProcessTable.liveProcesses(commandLineContaining: $0).isEmpty }
        }, "the whole tree runs")
        kill(worker, SIGKILL)
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try database.query("SELECT status FROM job_run WHERE id = \(runID)") == "lost"
        }, "the run is recorded lost")
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            markers.allSatisfy { ProcessTable.liveProcesses(commandLineContaining: $0).isEmpty }
        }, "no process of the run is left: \(markers.map { ($0, ProcessTable.liveProcesses(commandLineContaining: $0)) })")
    }
}
