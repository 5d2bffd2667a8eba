// A stop (SIGTERM) that reaches `--shutdown-grace` with a run still going ends that run: its
// script is killed, and its row is recorded `lost`, saying why, before the node exits — never
// left `running` (issue 12, hole 2).
import Foundation
import XCTest

final class ShutdownGraceTests: SingleNodeTestCase {
    func testARunStillGoingAtTheEndOfTheShutdownGraceIsRecordedLostAndItsScriptKilled() throws {
        try start(["--workers", "1", "--shutdown-grace", "1"])
        // A sleep no other process on the host runs: its command line finds it.
        let marker = "30.\(UInt32.random(in: 100_000...999_999))"
        let job = try create(#"{"name":"long","frequency":"1h","script":"sleep \#(marker)"}"#)
        let runID = try runNow(job)
        XCTAssertTrue(try waitUntil(timeout: 10) { try count(job, "status = 'running'") == 1 }, "the run started")
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            !ProcessTable.liveProcesses(commandLineContaining: "sleep \(marker)").isEmpty
        }, "the script runs")
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 20), 0)
        XCTAssertEqual(try database.query("SELECT status FROM job_run WHERE id = \(runID)"), "lost", "the run is recorded, not left running")
        XCTAssertTrue(try database.query("SELECT output FROM job_run WHERE id = \(runID)").contains("shutdown grace"),
                      "the output says why the run was lost")
        XCTAssertEqual(ProcessTable.liveProcesses(commandLineContaining: "sleep \(marker)"), [], "no script process remains")
    }
}
