import ExpositionReader
import XCTest
@testable import Server

final class NodeMetricsTests: XCTestCase {
    func testExpositionHasHelpAndTypeForTheMetricsOtherPartsRecord() {
        let text = String(decoding: NodeMetrics().exposition(), as: UTF8.self)
        XCTAssertTrue(text.contains("# HELP dsched_ticks_missed_total "), text)
        XCTAssertTrue(text.contains("# TYPE dsched_ticks_missed_total counter"), text)
        XCTAssertTrue(text.contains("# TYPE dsched_runs_pruned_total counter"), text)
        XCTAssertTrue(text.contains("# TYPE dsched_fire_lateness_seconds histogram"), text)
    }

    func testTwoNodesInOneProcessKeepTheirFiguresApart() {
        let first = NodeMetrics(), second = NodeMetrics()
        first.ticksMissed.increment(by: 3)
        XCTAssertEqual(ExpositionReader.value("dsched_ticks_missed_total", in: first.exposition()), 3)
        XCTAssertEqual(ExpositionReader.value("dsched_ticks_missed_total", in: second.exposition()), 0)
    }

    func testSampledGaugesAreReadAtEachScrape() {
        let metrics = NodeMetrics()
        var depth = 4
        metrics.sample(.backlog, [("queue", "workers")]) { depth }
        XCTAssertEqual(ExpositionReader.value(#"dsched_backlog{queue="workers"}"#, in: metrics.exposition()), 4)
        depth = 7
        XCTAssertEqual(ExpositionReader.value(#"dsched_backlog{queue="workers"}"#, in: metrics.exposition()), 7)
    }

    func testRunEndsCountByStatusAndTheirDurationsAndLatenessAreRecorded() {
        let metrics = NodeMetrics()
        metrics.firing.finished(.succeeded, startedAt: 1_000, finishedAt: 3_500)
        metrics.firing.finished(.failed, startedAt: nil, finishedAt: 2_000)
        metrics.firing.started(scheduledAt: 10_000, startedAt: 10_020)
        metrics.firing.skipped(.forbid)
        let text = metrics.exposition()
        XCTAssertEqual(ExpositionReader.value(#"dsched_runs_finished_total{status="succeeded"}"#, in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_runs_finished_total{status="failed"}"#, in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_runs_finished_total{status="lost"}"#, in: text), 0)
        XCTAssertEqual(ExpositionReader.value(#"dsched_run_duration_seconds_count{status="succeeded"}"#, in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_run_duration_seconds_sum{status="succeeded"}"#, in: text), 2.5)
        XCTAssertEqual(ExpositionReader.value(#"dsched_run_duration_seconds_count{status="failed"}"#, in: text), 0,
                       "a run that never started has no duration")
        XCTAssertEqual(ExpositionReader.value("dsched_fire_lateness_seconds_count", in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_ticks_skipped_total{reason="forbid"}"#, in: text), 1)
    }

    func testHTTPAnswersCountByTemplateWithBoundedLabels() {
        let metrics = NodeMetrics()
        let observer = metrics.http(routes: ["unmatched", "/jobs/{id}"])
        observer.answered(method: .get, route: 1, status: 200, seconds: 0.002)
        observer.answered(method: .get, route: 1, status: 200, seconds: 0.004)
        observer.answered(method: .other, route: 1, status: 405, seconds: 0)
        observer.answered(method: .get, route: 42, status: 404, seconds: 0)
        let text = metrics.exposition()
        XCTAssertEqual(ExpositionReader.value(#"dsched_http_requests_total{method="GET",route="/jobs/{id}",code="200"}"#, in: text), 2)
        XCTAssertEqual(ExpositionReader.value(#"dsched_http_requests_total{method="other",route="/jobs/{id}",code="405"}"#, in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_http_requests_total{method="GET",route="unmatched",code="404"}"#, in: text), 1,
                       "a route index the router never gave counts as unmatched")
        XCTAssertEqual(ExpositionReader.value(#"dsched_http_request_duration_seconds_count{method="GET",route="/jobs/{id}"}"#, in: text), 2)
    }

    func testMethodsOutsideRFC9110CollapseToOther() {
        XCTAssertEqual(HTTPMethodLabel("GET"), .get)
        XCTAssertEqual(HTTPMethodLabel("BREW"), .other)
        XCTAssertEqual(HTTPMethodLabel("get"), .other, "methods are case-sensitive (RFC 9110 section 9.1)")
    }
}
