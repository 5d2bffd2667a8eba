// The tick audit against a live node across an outage (issue 13, item 5): a job every second
// under `misfire: skip` runs, the node stops for a few seconds and comes back; the ticks of
// the outage show as `missed` (no row), those before and after as `succeeded`, and GET
// /jobs/{id} counts them in `missed_ticks_24h`, the metric dsched_ticks_missed_total too. Also the audit's refusals and its 404.
import ExpositionReader
import Foundation
import XCTest

final class TickAuditOutageTests: SingleNodeTestCase {
    private func ticks(_ job: Int, _ query: String = "") throws -> [String: Any] {
        let response = try client.request("GET", "/jobs/\(job)/ticks\(query)")
        XCTAssertEqual(response.status, 200, response.bodyText)
        return response.object
    }

    func testTheTicksOfANodeOutageShowAsMissedBetweenSucceededOnes() throws {
        try start(["--workers", "1"])
        let job = try create(#"{"name":"every-second","frequency":"1s","misfire":"skip","script":"true"}"#)
        XCTAssertTrue(try waitUntil(timeout: 20) { try count(job, "status = 'succeeded'") >= 3 })
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(), 0)
        usleep(5_000_000)  // the outage
        try start(["--workers", "1"])
        let before = try count(job, "true")
        XCTAssertTrue(try waitUntil(timeout: 20) { try count(job, "status = 'succeeded'") >= before + 3 })
        usleep(6_000_000)  // the last ticks leave the grace

        let audit = try ticks(job)
        let listed = try XCTUnwrap(audit["ticks"] as? [[String: Any]])
        let outcomes = listed.compactMap { $0["outcome"] as? String }
        // succeeded…, missed…, succeeded…, then the ticks of the last seconds (pending/running).
        let settled = Array(outcomes.prefix { $0 == "succeeded" || $0 == "missed" })
        let shape = settled.reduce(into: [String]()) { runs, outcome in if runs.last != outcome { runs.append(outcome) } }
        XCTAssertEqual(shape, ["succeeded", "missed", "succeeded"], "outcomes: \(outcomes)")
        let missed = settled.filter { $0 == "missed" }.count
        XCTAssertGreaterThanOrEqual(missed, 5, "five seconds down at one tick a second")
        XCTAssertEqual((audit["counts"] as? [String: Int])?["missed"], missed)
        let exposition = try client.request("GET", "/metrics").bodyText
        XCTAssertEqual(ExpositionReader.value("dsched_ticks_missed_total", in: exposition), Double(missed),
                       "the restarted node counts the ticks its misfire policy dropped")
        for tick in listed where tick["outcome"] as? String == "missed" {
            XCTAssertNil(tick["run_id"])
            XCTAssertEqual(try count(job, "scheduled_at = '\(tick["at"] as! String)'"), 0, "no row for a missed tick")
        }
        for tick in listed where tick["outcome"] as? String == "succeeded" {
            XCTAssertEqual(tick["attempts"] as? Int, 1)
            XCTAssertNotNil(tick["run_id"] as? Int)
        }
        XCTAssertEqual(audit["truncated"] as? Bool, false)
        XCTAssertTrue(audit["next_from"] is NSNull)

        let shown = try client.request("GET", "/jobs/\(job)").object
        XCTAssertEqual(shown["missed_ticks_24h"] as? Int, missed)
        let lastRun = try XCTUnwrap(shown["last_run"] as? [String: Any])
        XCTAssertNotNil(lastRun["status"] as? String)
        XCTAssertNotNil(lastRun["scheduled_at"] as? String)

        let page = try ticks(job, "?limit=2")
        XCTAssertEqual((page["ticks"] as? [Any])?.count, 2)
        XCTAssertEqual(page["truncated"] as? Bool, true)
        XCTAssertNotNil(page["next_from"] as? String)
    }

    func testTheAuditRefusesBadWindowsNamingTheFieldAndAnswers404ForAnUnknownJob() throws {
        try start()
        let job = try create(#"{"name":"a","frequency":"1h","script":"true"}"#)
        for (query, field) in [("?from=yesterday", "from"), ("?to=2026-13-01T00:00:00Z", "to"), ("?limit=0", "limit"),
                               ("?from=2026-11-29T12:00:00Z&to=2026-11-29T11:00:00Z", "from"),
                               ("?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "from")] {
            let response = try client.request("GET", "/jobs/\(job)/ticks\(query)")
            XCTAssertEqual(response.status, 400, query)
            XCTAssertEqual((response.object["error"] as? [String: Any])?["field"] as? String, field, query)
        }
        XCTAssertEqual(try client.request("GET", "/jobs/987654/ticks").status, 404)
        let fresh = try client.request("GET", "/jobs/\(job)").object
        XCTAssertEqual(fresh["missed_ticks_24h"] as? Int, 0)
        XCTAssertTrue(fresh["last_run"] is NSNull)
    }
}
