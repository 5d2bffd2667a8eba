// Stopping runs (issue 11 row 7): POST /runs/{id}/cancel stops one run; pausing or deleting a
// job stops its live runs (TERM, then KILL) and drops its waiting ones, all recorded
// `cancelled`, with no process of theirs left; a deleted job's run history stays readable.
import Foundation
import XCTest

final class CancellationTests: SingleNodeTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        // Two slots: a job may hold one (half), so its second run waits for a slot.
        try start(["--workers", "1", "--worker-concurrency", "2", "--kill-grace", "0.5"])
    }

    private func createLong(_ script: String) throws -> Int {
        try create(#"{"name":"long","frequency":"1h","script":"\#(script)"}"#)
    }

    private func status(_ run: Int) throws -> String? {
        try client.request("GET", "/runs/\(run)").object["status"] as? String
    }

    func testCancellingALiveRunStopsItAndEveryProcessItStarted() throws {
        let marker = "1000.\(Int.random(in: 10_000...99_999))"
        let run = try runNow(try createLong("sleep \(marker) & sleep \(marker)"))
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "running" })
        let cancelled = try client.request("POST", "/runs/\(run)/cancel")
        XCTAssertEqual(cancelled.status, 202, cancelled.bodyText)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "cancelled" })
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) { ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty },
                      "no process of the run is left")
        let again = try client.request("POST", "/runs/\(run)/cancel")
        XCTAssertEqual(again.status, 409, again.bodyText)
        XCTAssertEqual((again.object["error"] as? [String: Any])?["code"] as? String, "run_finished")
        XCTAssertEqual(try client.request("POST", "/runs/999999999/cancel").status, 404)
    }

    func testDeletingAJobStopsItsRunsAndKeepsItsHistory() throws {
        let marker = "1000.\(Int.random(in: 10_000...99_999))"
        let job = try createLong("sleep \(marker)")
        let live = try runNow(job)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(live) == "running" })
        let waiting = try runNow(job)
        usleep(300_000)
        XCTAssertEqual(try status(waiting), "pending", "the job holds its one slot: the second run waits")
        XCTAssertEqual(try client.request("DELETE", "/jobs/\(job)").status, 204)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(live) == "cancelled" && status(waiting) == "cancelled" })
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) { ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty })
        let history = try client.request("GET", "/jobs/\(job)/runs").object["runs"] as? [[String: Any]] ?? []
        XCTAssertEqual(history.count, 2, "a deleted job's runs stay readable")
        XCTAssertTrue((try client.request("GET", "/runs/\(waiting)").object["output"] as? String ?? "").contains("cancelled before it started"))
    }

    func testPausingAJobStopsItsLiveRun() throws {
        let marker = "1000.\(Int.random(in: 10_000...99_999))"
        let job = try createLong("sleep \(marker)")
        let run = try runNow(job)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "running" })
        XCTAssertEqual(try client.request("POST", "/jobs/\(job)/pause").status, 200)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "cancelled" })
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) { ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty })
    }
}
