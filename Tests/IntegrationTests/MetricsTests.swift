// GET /metrics on a live node: behind the token on the API port, open on --metrics-port; its
// figures move as the node runs jobs and answers requests; promtool accepts its text; and a
// survivor counts the failover of a node killed under it.
import ExpositionReader
import Foundation
import XCTest

final class MetricsTests: NodesTestCase {
    private let token = "metrics-test-token"
    private var auth: [String: String] { ["Authorization": "Bearer \(token)"] }

    /// A node with a token and a metrics port; the node, an API client and a metrics client.
    private func launchWithMetricsPort(_ arguments: [String] = []) throws -> (ServerProcess, RawClient, RawClient) {
        let (server, api) = try launch(["--api-token", token, "--metrics-port", "0"] + arguments)
        let line = try XCTUnwrap(server.waitForLog(containing: "metrics listening"))
        let port = try XCTUnwrap(line.range(of: " port=").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }, line)
        return (server, api, try RawClient(port: port))
    }

    private func scrape(_ client: RawClient, headers: [String: String] = [:]) throws -> String {
        let response = try client.request("GET", "/metrics", headers: headers)
        XCTAssertEqual(response.status, 200, response.bodyText)
        return response.bodyText
    }

    private func runNow(_ api: RawClient, script: String) throws -> Int {
        let created = try api.request("POST", "/jobs", json: #"{"name":"m","frequency":"1h","script":"\#(script)"}"#, headers: auth)
        XCTAssertEqual(created.status, 201, created.bodyText)
        let job = try XCTUnwrap(created.object["id"] as? Int)
        let run = try api.request("POST", "/jobs/\(job)/run", headers: auth)
        XCTAssertEqual(run.status, 201, run.bodyText)
        return try XCTUnwrap(run.object["id"] as? Int)
    }

    func testTheTokenGuardsMetricsOnTheAPIPortAndNotOnTheMetricsPort() throws {
        let (_, api, metrics) = try launchWithMetricsPort()
        XCTAssertEqual(try api.request("GET", "/metrics").status, 401)
        let answer = try api.request("GET", "/metrics", headers: auth)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(try metrics.request("GET", "/metrics").status, 200)
        XCTAssertEqual(try metrics.request("GET", "/jobs").status, 404, "the metrics port serves nothing else")
    }

    func testTheMetricsPortComesFromTheEnvironmentToo() throws {
        let port = try freePort()
        let server = try ServerProcess(arguments: ["--api-token", token],
                                       environment: database.environment.merging(["DSCHED_METRICS_PORT": "\(port)"]) { $1 })
        try waitForReady(server)
        XCTAssertEqual(try RawClient(port: port).request("GET", "/metrics").status, 200)
    }

    func testFiguresMoveAsRunsEndAndRequestsAreAnswered() throws {
        let (_, api, metrics) = try launchWithMetricsPort()
        let before = try scrape(metrics)
        let succeeded = try runNow(api, script: "true")
        let failed = try runNow(api, script: "exit 3")
        for (run, status) in [(succeeded, "succeeded"), (failed, "failed")] {
            XCTAssertTrue(try waitUntil(timeout: 15) {
                try api.request("GET", "/runs/\(run)", headers: auth).object["status"] as? String == status
            }, "run \(run) ends \(status)")
        }
        XCTAssertEqual(try api.request("GET", "/no/such/path/42", headers: auth).status, 404)
        // Run ends are counted when recorded, just after the API can show them.
        var after = ""
        XCTAssertTrue(try waitUntil(timeout: 10) {
            after = try scrape(metrics)
            return ExpositionReader.value(#"dsched_runs_finished_total{status="failed"}"#, in: after) == 1
        }, after)
        func value(_ series: String, _ text: String) -> Double { ExpositionReader.value(series, in: text) ?? 0 }
        XCTAssertEqual(value(#"dsched_runs_finished_total{status="succeeded"}"#, before), 0)
        XCTAssertEqual(value(#"dsched_runs_finished_total{status="succeeded"}"#, after), 1)
        XCTAssertEqual(value("dsched_fire_lateness_seconds_count", after), 2, after)
        XCTAssertEqual(value(#"dsched_run_duration_seconds_count{status="succeeded"}"#, after), 1)
        XCTAssertEqual(value(#"dsched_http_requests_total{method="POST",route="/jobs",code="201"}"#, after), 2, after)
        XCTAssertEqual(value(#"dsched_http_requests_total{method="POST",route="/jobs/{id}/run",code="201"}"#, after), 2, after)
        XCTAssertEqual(value(#"dsched_http_requests_total{method="GET",route="unmatched",code="404"}"#, after), 1, after)
        XCTAssertFalse(after.contains("/no/such/path"), "raw paths never become labels")
        XCTAssertGreaterThanOrEqual(value("dsched_ticks_won_total", after), 2)
        XCTAssertGreaterThan(value(#"dsched_client_round_trip_seconds_count{service="postgres",connection="main"}"#, after), 0)
        XCTAssertEqual(value(#"dsched_jobs{state="scheduled"}"#, after), 2, after)
        XCTAssertGreaterThan(value(#"dsched_workers{state="running"}"#, after), 0, after)
    }

    /// promtool (Debian's `prometheus` package, which `make deps` installs) must be there:
    /// without it this test fails rather than passing unchecked.
    func testPromtoolAcceptsTheExposition() throws {
        let (_, api, metrics) = try launchWithMetricsPort()
        let run = try runNow(api, script: "true")
        XCTAssertTrue(try waitUntil(timeout: 15) {
            try api.request("GET", "/runs/\(run)", headers: auth).object["status"] as? String == "succeeded"
        })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-metrics-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(try scrape(metrics).utf8).write(to: file)
        let result = try Subprocess.run("/bin/sh", ["-c", #"command -v promtool >/dev/null || { echo "promtool is missing: make deps installs it (Debian package prometheus)"; exit 127; }; promtool check metrics < "$0""#, file.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
    }

    func testASurvivorCountsTheFailoverOfAKilledLeader() throws {
        let (first, firstAPI, firstMetrics) = try launchWithMetricsPort(["--node-id", "a"])
        let (second, _, secondMetrics) = try launchWithMetricsPort(["--node-id", "b"])
        var leader: String?
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let view = try firstAPI.request("GET", "/nodes", headers: auth).object
            leader = view["leader"] as? String
            return (view["nodes"] as? [[String: Any]])?.count == 2 && leader != nil
        }, "both nodes join and one leads")
        let (victim, survivor) = leader == "a" ? (first, secondMetrics) : (second, firstMetrics)
        let before = try scrape(survivor)
        XCTAssertEqual(ExpositionReader.value("dsched_cluster_leader", in: before), 0)
        XCTAssertEqual(ExpositionReader.value("dsched_cluster_failovers_total", in: before), 0)
        victim.signal(SIGKILL)
        _ = victim.waitForExit()
        var after = ""
        XCTAssertTrue(try waitUntil(timeout: 20) {
            after = try scrape(survivor)
            return ExpositionReader.value("dsched_cluster_failovers_total", in: after) == 1
        }, "the survivor fails the dead leader over:\n\(after)")
        XCTAssertEqual(ExpositionReader.value(#"dsched_cluster_leader_changes_total{change="acquired"}"#, in: after), 1)
        XCTAssertEqual(ExpositionReader.value("dsched_cluster_leader", in: after), 1)
        XCTAssertEqual(ExpositionReader.value("dsched_cluster_failover_seconds_count", in: after), 1)
        XCTAssertEqual(ExpositionReader.value("dsched_cluster_members", in: after), 1)
    }
}
