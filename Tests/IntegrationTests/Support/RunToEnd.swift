// runToEnd: runs a job now and waits until its run is no longer pending or running — what
// tests of a script's effects need before they look at the run.
import Foundation
import XCTest

/// Runs `job` now through `client` (expects 201); the run once it ended (at most `timeout` s).
func runToEnd(_ client: RawClient, job: Int, timeout: TimeInterval = 30,
              file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let started = try client.request("POST", "/jobs/\(job)/run")
    XCTAssertEqual(started.status, 201, started.bodyText, file: file, line: line)
    let runID = try XCTUnwrap(started.object["id"] as? Int, file: file, line: line)
    var run: [String: Any] = [:]
    XCTAssertTrue(try waitUntil(timeout: timeout) {
        run = try client.request("GET", "/runs/\(runID)").object
        return !["pending", "running"].contains(run["status"] as? String ?? "pending")
    }, "run \(runID) ended", file: file, line: line)
    return run
}

/// Creates a job running `script` (with `fields` added to its body), runs it to its end.
func runScriptOnce(_ client: RawClient, script: String, fields: [String: Any] = [:],
                   file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let body = ["name": "run once", "frequency": "1h", "script": script].merging(fields) { $1 }
    let created = try client.request("POST", "/jobs", json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    XCTAssertEqual(created.status, 201, created.bodyText, file: file, line: line)
    return try runToEnd(client, job: try XCTUnwrap(created.object["id"] as? Int, file: file, line: line), timeout: 20, file: file, line: line)
}
