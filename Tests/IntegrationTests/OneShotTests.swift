// One-shot jobs (`repeat: false`) whose only tick is now or already past when they are
// created: each runs exactly once, as soon as a node adopts it, and is then done; under
// `misfire: skip` its passed tick is recorded skipped and the job is done without running.
// (Before, the tick was taken for one "before the job existed" and the job never ran.)
import Foundation
import XCTest

final class OneShotTests: SingleNodeTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try start(["--workers", "1", "--reload-interval", "0.5"])
    }

    private func statuses(_ job: Int) throws -> [String] {
        try database.query("SELECT string_agg(status, ',' ORDER BY id) FROM job_run WHERE job_id = \(job)")
            .split(separator: ",").map(String.init)
    }

    private func isDone(_ job: Int) throws -> Bool {
        try client.request("GET", "/jobs/\(job)").object["done"] as? Bool == true
    }

    func testAOneShotWithoutStartdateRunsOnceAtOnceAndIsDone() throws {
        let job = try create(#"{"name":"once","frequency":0,"repeat":false,"script":"echo once"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try isDone(job) }, "the one-shot runs and is marked done")
        usleep(1_500_000)
        XCTAssertEqual(try statuses(job), ["succeeded"], "exactly one run")
    }

    func testAOneShotWhoseStartdateIsPastRunsOnceAndIsDone() throws {
        let job = try create(#"{"name":"late","frequency":0,"repeat":false,"startdate":"2020-01-01T00:00:00Z","script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try isDone(job) })
        usleep(1_500_000)
        XCTAssertEqual(try statuses(job), ["succeeded"])
    }

    func testAOneShotUnderMisfireSkipWhoseTickPassedIsRecordedSkippedAndDone() throws {
        let job = try create(#"{"name":"skip","frequency":"1h","repeat":false,"misfire":"skip","startdate":"2020-01-01T00:00:00Z","script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 10) { try isDone(job) }, "never left undone")
        XCTAssertTrue(try waitUntil(timeout: 5) { try statuses(job) == ["skipped"] })
        XCTAssertEqual(try statuses(job), ["skipped"], "recorded once, without running")
    }
}
