// The cluster end to end: several real `dsched serve` processes on one PostgreSQL and one
// Redis (each test its own database and Redis key namespace). Scripts append
// "job scheduled_at attempt" to a file, so "no tick fired twice" is checked on what ran, not
// only on the job_run rows. Times to fail over are printed, not asserted (the machines are
// shared and noisy): `make bench-failover` measures them.
import Foundation
import XCTest

final class ClusterTests: XCTestCase {
    private var database: TestDatabase!
    private var nodes: [String: ServerProcess] = [:]
    private var marks: URL!

    override func setUpWithError() throws {
        database = try TestDatabase()
        marks = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-cluster-\(UUID().uuidString).marks")
        XCTAssertTrue(FileManager.default.createFile(atPath: marks.path, contents: nil))
    }

    override func tearDown() {
        nodes = [:]
        database = nil
        try? FileManager.default.removeItem(at: marks)
    }

    // MARK: - Helpers

    @discardableResult
    private func startNode(_ id: String, _ arguments: [String] = []) throws -> RawClient {
        // A short node lease: a killed node's runs are recorded lost within seconds.
        let server = try ServerProcess(arguments: ["--node-id", id, "--workers", "1", "--reload-interval", "0.5", "--node-lease", "3"] + arguments,
                                       environment: database.environment)
        try waitForReady(server)
        nodes[id] = server
        let client = try RawClient(port: server.port)
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let members = try client.request("GET", "/nodes").object["nodes"] as? [[String: Any]] ?? []
            return members.contains { $0["id"] as? String == id }
        }, "node \(id) joins the cluster")
        return client
    }

    private func client(_ id: String) throws -> RawClient {
        try RawClient(port: try XCTUnwrap(nodes[id]).port)
    }

    private var markScript: String { "echo \\\"$DSCHED_JOB_ID $DSCHED_SCHEDULED_AT $DSCHED_ATTEMPT\\\" >> \(marks.path)" }

    /// Creates jobs (in batches of 100) from their frequencies; returns their ids.
    private func createJobs(_ client: RawClient, _ frequencies: [String], startIn seconds: Int = 0) throws -> [Int] {
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(seconds)))
        var ids: [Int] = []
        for chunk in stride(from: 0, to: frequencies.count, by: 100) {
            let bodies = frequencies[chunk..<min(chunk + 100, frequencies.count)].enumerated().map { index, frequency in
                #"{"name":"job \#(chunk + index)","frequency":\#(frequency),"startdate":"\#(start)","script":"\#(markScript)"}"#
            }
            let response = try client.request("POST", "/jobs", json: "[" + bodies.joined(separator: ",") + "]")
            XCTAssertEqual(response.status, 201, response.bodyText)
            ids += response.objects.compactMap { $0["id"] as? Int }
        }
        XCTAssertEqual(ids.count, frequencies.count)
        return ids
    }

    /// Starts the nodes `ids`, creates `count` jobs every `frequency` ms through the first and
    /// waits until each has an owner; returns the first node's client and the jobs.
    private func cluster(_ ids: [String], jobs count: Int, every frequency: String) throws -> (client: RawClient, jobs: [Int]) {
        let clients = try ids.map { try startNode($0) }
        let jobs = try createJobs(clients[0], Array(repeating: frequency, count: count))
        try waitForOwners(jobs, among: Set(ids))
        return (clients[0], jobs)
    }

    /// Job → owner, from JOB_PROCESSED.
    private func owners() throws -> [Int: String] {
        let lines = try redis(["HGETALL", "\(database.name):job_processed"]).split(separator: "\n").map(String.init)
        var owners: [Int: String] = [:]
        for index in stride(from: 0, to: lines.count - 1, by: 2) {
            if let job = Int(lines[index]) { owners[job] = lines[index + 1] }
        }
        return owners
    }

    /// Waits until every job has an owner among `members` and nothing waits; returns the owners.
    @discardableResult
    private func waitForOwners(_ jobs: [Int], among members: Set<String>, timeout: TimeInterval = 20) throws -> [Int: String] {
        var current: [Int: String] = [:]
        let done = try waitUntil(timeout: timeout) {
            current = try owners()
            let waiting = try redis(["ZCARD", "\(database.name):job_store"])
            return waiting == "0" && jobs.allSatisfy { current[$0].map(members.contains) == true }
        }
        XCTAssertTrue(done, "every job gets an owner among \(members.sorted()): \(current.count) of \(jobs.count) owned")
        return current
    }

    private func clusterView(_ client: RawClient) throws -> [String: Any] {
        let response = try client.request("GET", "/nodes")
        XCTAssertEqual(response.status, 200, response.bodyText)
        return response.object
    }

    /// Job, scheduled_at, attempt of every script that ran; fails on any tick run twice.
    private func assertNoTickRanTwice(file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = try String(contentsOf: marks, encoding: .utf8).split(separator: "\n")
        var seen = Set<Substring>()
        let twice = lines.filter { !seen.insert($0).inserted }
        XCTAssertGreaterThan(lines.count, 0, "scripts ran", file: file, line: line)
        XCTAssertEqual(twice, [], "ticks run twice", file: file, line: line)
    }

    /// Epoch ms of the first run of each job started on one of `survivors` after `since`.
    private func firstRuns(of jobs: [Int], on survivors: [String], after since: Int64) throws -> [Int: Int64] {
        let rows = try database.query("""
            SELECT job_id, (extract(epoch FROM min(started_at)) * 1000)::bigint FROM job_run
            WHERE job_id = ANY('{\(jobs.map(String.init).joined(separator: ","))}')
              AND node_id = ANY('{\(survivors.joined(separator: ","))}') AND started_at > to_timestamp(\(since) / 1000.0)
            GROUP BY job_id
            """)
        var first: [Int: Int64] = [:]
        for row in rows.split(separator: "\n") {
            let fields = row.split(separator: "|")
            if fields.count == 2, let job = Int(fields[0]), let at = Int64(fields[1]) { first[job] = at }
        }
        return first
    }

    private func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Waits until every job fired on a survivor after `since`; prints and returns the slowest.
    private func assertEveryJobFiresAgain(_ jobs: [Int], on survivors: [String], after since: Int64, what: String) throws {
        var first: [Int: Int64] = [:]
        let done = try waitUntil(timeout: 20) {
            first = try firstRuns(of: jobs, on: survivors, after: since)
            return first.count == jobs.count
        }
        XCTAssertTrue(done, "\(what): every job fires again on a survivor (\(first.count) of \(jobs.count))")
        if let slowest = first.values.max() {
            print("\(what): \(jobs.count) jobs fired again on survivors; the last \(Double(slowest - since) / 1000) s after")
        }
    }

    // MARK: - Distribution

    func testThreeNodesShareThreeHundredJobsOfMixedFrequenciesByWeight() throws {
        let first = try startNode("a")
        try startNode("b")
        try startNode("c")
        // Mixed frequencies (weights 0.05 down to 3e-6), starting in an hour: weights count,
        // while the host stays idle (no CPU pressure to tell the nodes apart).
        let kinds = ["200", "1000", "\"2s\"", "\"5s\"", "\"*/10 * * * * *\"", "\"1m\"", "\"@hourly\"", "\"0 3 * * MON\""]
        let jobs = try createJobs(first, (0..<300).map { kinds[$0 % kinds.count] }, startIn: 3600)
        try waitForOwners(jobs, among: ["a", "b", "c"])
        var weights: [String: Double] = [:]
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let view = try clusterView(first)
            let members = view["nodes"] as? [[String: Any]] ?? []
            weights = Dictionary(uniqueKeysWithValues: members.compactMap { node in
                (node["id"] as? String).map { ($0, node["weight"] as? Double ?? 0) }
            })
            return members.compactMap { $0["jobs"] as? Int }.reduce(0, +) == 300
        })
        XCTAssertEqual(Set(weights.keys), ["a", "b", "c"])
        let mean = weights.values.reduce(0, +) / 3
        for (node, weight) in weights {
            XCTAssertEqual(weight, mean, accuracy: 0.1 * mean, "node \(node)'s weighted load is within 10 % of the mean: \(weights)")
        }
        let view = try clusterView(first)
        XCTAssertNotNil(view["leader"] as? String)
        XCTAssertEqual(view["waiting"] as? Int, 0)
        let member = try XCTUnwrap((view["nodes"] as? [[String: Any]])?.first)
        for field in ["address", "cpu_host", "cpu_process", "heartbeat_age_ms", "mem_available_kb", "mem_total_kb", "cached_kb", "rss_kb", "workers", "leader"] {
            XCTAssertNotNil(member[field], "GET /nodes shows \(field)")
        }
        let owner = try first.request("GET", "/jobs/\(jobs[0])").object["owner"] as? String
        XCTAssertEqual(owner, try owners()[jobs[0]], "GET /jobs/{id} shows the owner")
    }

    // MARK: - Failure

    func testKillingANodeFailsItsJobsOverWithNoTickTwice() throws {
        let (client, jobs) = try cluster(["a", "b", "c"], jobs: 24, every: "500")
        usleep(1_500_000)
        let leader = try XCTUnwrap(clusterView(client)["leader"] as? String)
        let victim = try XCTUnwrap(["a", "b", "c"].first { $0 != leader })
        let survivors = ["a", "b", "c"].filter { $0 != victim }
        let victims = try owners().filter { $0.value == victim }.map(\.key)
        XCTAssertFalse(victims.isEmpty)
        let killedAt = nowMilliseconds()
        nodes[victim]?.signal(SIGKILL)
        _ = nodes[victim]?.waitForExit()
        try assertEveryJobFiresAgain(victims, on: survivors, after: killedAt, what: "kill -9 of a node")
        try waitForOwners(jobs, among: Set(survivors))
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try database.query("SELECT count(*) FROM job_run WHERE node_id = '\(victim)' AND status IN ('pending', 'running')") == "0"
        }, "the dead node's unfinished runs are recorded lost")
        usleep(1_000_000)
        try assertNoTickRanTwice()
    }

    func testKillingTheLeaderElectsANewOneThatFailsItsJobsOver() throws {
        let (first, jobs) = try cluster(["a", "b", "c"], jobs: 24, every: "500")
        let leader = try XCTUnwrap(clusterView(first)["leader"] as? String)
        let survivors = ["a", "b", "c"].filter { $0 != leader }
        let victims = try owners().filter { $0.value == leader }.map(\.key)
        let killedAt = nowMilliseconds()
        nodes[leader]?.signal(SIGKILL)
        _ = nodes[leader]?.waitForExit()
        let survivor = try client(survivors[0])
        var newLeader: String?
        XCTAssertTrue(try waitUntil(timeout: 10) {
            newLeader = try survivor.request("GET", "/nodes").object["leader"] as? String
            return newLeader.map(survivors.contains) == true
        }, "a survivor leads")
        try assertEveryJobFiresAgain(victims, on: survivors, after: killedAt, what: "kill -9 of the leader")
        try waitForOwners(jobs, among: Set(survivors))
        usleep(1_000_000)
        try assertNoTickRanTwice()
    }

    func testSigtermHandsTheJobsBackAtOnce() throws {
        let (_, jobs) = try cluster(["a", "b", "c"], jobs: 24, every: "500")
        usleep(1_000_000)
        let leaving = try owners().filter { $0.value == "a" }.map(\.key)
        XCTAssertFalse(leaving.isEmpty)
        let stoppedAt = nowMilliseconds()
        nodes["a"]?.signal(SIGTERM)
        try waitForOwners(jobs, among: ["b", "c"], timeout: 5)
        print("SIGTERM: jobs owned by the survivors \(Double(nowMilliseconds() - stoppedAt) / 1000) s after (polled)")
        XCTAssertEqual(nodes["a"]?.waitForExit(), 0, "a clean exit")
        XCTAssertTrue(nodes["a"]?.log.contains("left the cluster") == true)
        try assertEveryJobFiresAgain(leaving, on: ["b", "c"], after: stoppedAt, what: "SIGTERM")
        usleep(1_000_000)
        try assertNoTickRanTwice()
    }

    func testAJoiningNodeGetsItsShareWithNoTickTwiceAndAtMostOneMissed() throws {
        let (_, jobs) = try cluster(["a", "b"], jobs: 30, every: "500")
        usleep(1_500_000)
        let joinedAt = nowMilliseconds()
        try startNode("c")
        var share = 0
        XCTAssertTrue(try waitUntil(timeout: 20) {
            share = try owners().values.filter { $0 == "c" }.count
            return share >= 9
        }, "the new node gets about a third of the equal jobs (has \(share))")
        usleep(2_000_000)
        let end = nowMilliseconds() - 1_000
        try assertNoTickRanTwice()
        // Every 500 ms tick from just before the join to a second ago: at most one missed per job.
        let rows = try database.query("""
            SELECT job_id, count(DISTINCT scheduled_at) FROM job_run
            WHERE scheduled_at > to_timestamp(\(joinedAt - 1_000) / 1000.0) AND scheduled_at <= to_timestamp(\(end) / 1000.0)
            GROUP BY job_id
            """)
        let expected = Int((end - (joinedAt - 1_000)) / 500)
        var counts: [Int: Int] = [:]
        for row in rows.split(separator: "\n") {
            let fields = row.split(separator: "|")
            if fields.count == 2, let job = Int(fields[0]), let count = Int(fields[1]) { counts[job] = count }
        }
        for job in jobs {
            XCTAssertGreaterThanOrEqual(counts[job] ?? 0, expected - 2, "job \(job): at most one tick missed (one more at the window's edges)")
        }
    }

    func testAnEditRightAfterCreationReachesTheOwner() throws {
        let first = try startNode("a")
        let second = try startNode("b")
        for index in 0..<6 {
            let created = try first.request("POST", "/jobs", json: #"{"name":"edited \#(index)","frequency":"1h","script":"true"}"#)
            XCTAssertEqual(created.status, 201)
            let id = try XCTUnwrap(created.object["id"] as? Int)
            XCTAssertEqual(try second.request("PATCH", "/jobs/\(id)", json: #"{"frequency":300}"#).status, 200)
        }
        let ids = try database.query("SELECT id FROM job").split(separator: "\n").compactMap { Int($0) }
        try waitForOwners(ids, among: ["a", "b"])
        XCTAssertTrue(try waitUntil(timeout: 10) {
            try database.query("SELECT count(DISTINCT job_id) FROM job_run") == "6"
        }, "every job fires on its edited schedule, whichever node owns it")
    }

    func testALostSubscriptionIsRestoredAndHearsAssignmentsAgain() throws {
        let (first, before) = try cluster(["a", "b"], jobs: 6, every: "500")
        XCTAssertNotEqual(try redis(["CLIENT", "KILL", "TYPE", "pubsub"]), "0", "both nodes' subscriptions dropped")
        usleep(500_000)
        let after = try createJobs(first, Array(repeating: "500", count: 6))
        let owners = try waitForOwners(before + after, among: ["a", "b"])
        let since = nowMilliseconds()
        for node in ["a", "b"] {
            let theirs = owners.filter { $0.value == node }.map(\.key)
            XCTAssertFalse(theirs.isEmpty, "\(node) owns some jobs")
            try assertEveryJobFiresAgain(theirs, on: [node], after: since, what: "after the subscription came back, \(node)")
        }
        XCTAssertTrue(nodes.values.allSatisfy { $0.log.contains("redis connected") && $0.isRunning })
    }

    // MARK: - Degraded Redis and PostgreSQL

    func testRedisFlushedRecoversOneOwnerPerJob() throws {
        let (_, jobs) = try cluster(["a", "b", "c"], jobs: 30, every: "1000")
        usleep(1_000_000)
        let before = try owners()
        XCTAssertEqual(Set(before.values), ["a", "b", "c"])
        let flushedAt = nowMilliseconds()
        try redis(["FLUSHALL"])
        let after = try waitForOwners(jobs, among: ["a", "b", "c"])
        print("Redis flushed: every job owned again \(Double(nowMilliseconds() - flushedAt) / 1000) s after (polled)")
        XCTAssertEqual(after, before, "each node reclaims the jobs it held")
        try assertEveryJobFiresAgain(jobs, on: ["a", "b", "c"], after: flushedAt + 500, what: "Redis flushed")
        try assertNoTickRanTwice()
    }

    func testRedisDownNodesKeepFiringThenRecover() throws {
        let (first, jobs) = try cluster(["a", "b"], jobs: 10, every: "500")
        usleep(500_000)
        let before = try owners()
        try services("redis-stop")
        defer { try? services("redis-start") }
        let stoppedAt = nowMilliseconds()
        usleep(500_000)
        let nodesResponse = try first.request("GET", "/nodes")
        XCTAssertEqual(nodesResponse.status, 503, "GET /nodes without Redis")
        XCTAssertNotNil(nodesResponse.header("Retry-After"))
        let job = try first.request("GET", "/jobs/\(jobs[0])")
        XCTAssertEqual(job.status, 200, "jobs are still served from PostgreSQL")
        XCTAssertNil(job.object["owner"], "the owner is left out when Redis cannot say")
        XCTAssertEqual(try first.request("POST", "/jobs", json: #"{"name":"during","frequency":"500","script":"true"}"#).status, 201,
                       "submissions commit without Redis; reconciliation announces them later")
        try assertEveryJobFiresAgain(jobs, on: ["a", "b"], after: stoppedAt + 500, what: "Redis down: nodes keep firing")
        try services("redis-start")
        let all = jobs + [try XCTUnwrap(Int(database.query("SELECT max(id) FROM job")))]
        let after = try waitForOwners(all, among: ["a", "b"], timeout: 20)
        XCTAssertEqual(after.filter { jobs.contains($0.key) }, before, "Redis came back empty: each node took back what it held")
        XCTAssertTrue(nodes.values.allSatisfy(\.isRunning), "no node crashed")
        try assertNoTickRanTwice()
    }

    func testPostgresDownTicksWaitAndAreClaimedOnReturn() throws {
        let first = try startNode("a", ["--pg-queue-timeout", "1"])
        let jobs = try createJobs(first, ["500"])
        try waitForOwners(jobs, among: ["a"])
        usleep(1_000_000)
        let stoppedAt = nowMilliseconds()
        try services("pg-stop")
        defer { try? services("pg-start") }
        usleep(3_000_000)
        let restartedAt = nowMilliseconds()
        try services("pg-start")
        XCTAssertTrue(try waitUntil(timeout: 20) {
            let count = try database.query("""
                SELECT count(*) FROM job_run WHERE job_id = \(jobs[0])
                AND scheduled_at > to_timestamp(\(stoppedAt + 500) / 1000.0) AND scheduled_at <= to_timestamp(\(restartedAt - 500) / 1000.0)
                """)
            return (Int(count) ?? 0) >= Int((restartedAt - stoppedAt - 1_000) / 500) - 1
        }, "the ticks due while PostgreSQL was down are claimed when it is back")
        XCTAssertTrue(nodes["a"]?.isRunning == true)
        try assertNoTickRanTwice()
    }
}
