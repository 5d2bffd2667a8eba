// Stopping runs (issue 11 row 7): POST /runs/{id}/cancel stops one run; pausing or deleting a
// job stops its live runs (TERM, then KILL) and drops its waiting ones, all recorded
// `cancelled`, with no process of theirs left; a deleted job's run history stays readable.
import Foundation
import XCTest

final class CancellationTests: XCTestCase {
    private var database: TestDatabase!
    private var server: ServerProcess!
    private var client: RawClient!

    override func setUpWithError() throws {
        database = try TestDatabase()
        // Two slots: a job may hold one (half), so its second run waits for a slot.
        server = try ServerProcess(arguments: ["--workers", "1", "--worker-concurrency", "2", "--kill-grace", "0.5"],
                                   environment: database.environment)
        try waitForReady(server)
        client = try RawClient(port: server.port)
    }

    override func tearDown() {
        client = nil
        server = nil
        database = nil
    }

    private func create(_ script: String) throws -> Int {
        let response = try client.request("POST", "/jobs", json: #"{"name":"long","frequency":"1h","script":"\#(script)"}"#)
        XCTAssertEqual(response.status, 201, response.bodyText)
        return try XCTUnwrap(response.object["id"] as? Int)
    }

    private func runNow(_ job: Int) throws -> Int {
        let response = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(response.status, 201, response.bodyText)
        return try XCTUnwrap(response.object["id"] as? Int)
    }

    private func status(_ run: Int) throws -> String? {
        try client.request("GET", "/runs/\(run)").object["status"] as? String
    }

    func testCancellingALiveRunStopsItAndEveryProcessItStarted() throws {
        let marker = "1000.\(Int.random(in: 10_000...99_999))"
        let run = try runNow(try create("sleep \(marker) & sleep \(marker)"))
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
        let job = try create("sleep \(marker)")
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
        let job = try create("sleep \(marker)")
        let run = try runNow(job)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "running" })
        XCTAssertEqual(try client.request("POST", "/jobs/\(job)/pause").status, 200)
        XCTAssertTrue(try waitUntil(timeout: 10) { try status(run) == "cancelled" })
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) { ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty })
    }
}
