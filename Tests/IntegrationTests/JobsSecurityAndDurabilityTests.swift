// Authentication, the loopback-only default, and durability across kill -9.
import Foundation
import XCTest

final class JobsSecurityAndDurabilityTests: XCTestCase {
    private let job = #"{"name":"secure","frequency":"5m","script":"true"}"#

    func testTokenIsRequiredOnJobsWhenSet() throws {
        let database = try TestDatabase()
        let server = try ServerProcess(arguments: ["--api-token", "s3cret"], environment: database.environment)
        try waitForReady(server)
        let client = try RawClient(port: server.port)
        let missing = try client.request("POST", "/jobs", json: job)
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.error["code"] as? String, "unauthorized")
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer s3cre"]).status, 401)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer s3cret!"]).status, 401)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Basic s3cret"]).status, 401)
        XCTAssertEqual(try client.request("POST", "/jobs", json: job, headers: ["Authorization": "Bearer s3cret"]).status, 201)
        XCTAssertEqual(try client.request("GET", "/jobs/1", headers: ["Authorization": "Bearer s3cret"]).status, 200)
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200, "probes need no token")
        XCTAssertEqual(try database.query("SELECT count(*) FROM job"), "1")
    }

    func testTokenFromTheEnvironment() throws {
        let database = try TestDatabase()
        var environment = database.environment
        environment["DSCHED_API_TOKEN"] = "from-env"
        let server = try ServerProcess(environment: environment)
        let client = try RawClient(port: server.port)
        XCTAssertEqual(try client.request("GET", "/jobs").status, 401)
        XCTAssertEqual(try client.request("GET", "/jobs", headers: ["Authorization": "Bearer from-env"]).status, 200)
    }

    func testRefusesANonLoopbackAddressWithoutAToken() throws {
        let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--host", "0.0.0.0", "--PORT", "0"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("refusing to listen on 0.0.0.0 without --api-token"), result.stderr)
        let insecure = try ServerProcess(arguments: ["--host", "0.0.0.0", "--insecure-no-auth"])
        XCTAssertEqual(try RawClient(port: insecure.port).healthzStatus(), 200)
        let withToken = try ServerProcess(arguments: ["--host", "0.0.0.0", "--api-token", "t"])
        XCTAssertEqual(try RawClient(port: withToken.port).healthzStatus(), 200)
    }

    /// While clients stream submissions, dsched is killed with SIGKILL. Every job that got a 201
    /// must be in the table, whole; after a restart the node serves the same table.
    func testEveryAcknowledgedJobSurvivesKillNine() throws {
        let database = try TestDatabase()
        let server = try ServerProcess(environment: database.environment)
        try waitForReady(server)
        let port = server.port
        let ledger = Ledger()
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                guard let client = try? RawClient(port: port, receiveTimeout: 2) else { return }
                for index in 0..<100_000 {
                    let name = "durable-\(worker)-\(index)"
                    let body = #"{"name":"\#(name)","frequency":"\#(index % 50 + 1)s","script":"echo \#(name)"}"#
                    guard let response = try? client.request("POST", "/jobs", json: body) else { return }
                    if response.status == 201, let id = response.object["id"] as? Int {
                        ledger.record(id: id, name: name)
                    }
                }
            }
        }
        usleep(1_500_000)
        server.signal(SIGKILL)
        XCTAssertEqual(server.waitForExit(), 128 + SIGKILL)
        group.wait()
        let acknowledged = ledger.entries
        XCTAssertGreaterThan(acknowledged.count, 10, "the clients got answers before the kill")

        let rows = try database.query("SELECT id, name, script, frequency FROM job").split(separator: "\n")
        var stored: [Int: (name: String, script: String)] = [:]
        for row in rows {
            let columns = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            stored[Int(columns[0])!] = (columns[1], columns[2])
        }
        for (id, name) in acknowledged {
            XCTAssertEqual(stored[id]?.name, name, "job \(id) was acknowledged but is missing")
            XCTAssertEqual(stored[id]?.script, "echo \(name)", "job \(id) is incomplete")
        }

        let restarted = try ServerProcess(environment: database.environment)
        try waitForReady(restarted)
        let client = try RawClient(port: restarted.port)
        let someID = try XCTUnwrap(acknowledged.keys.first)
        XCTAssertEqual(try client.request("GET", "/jobs/\(someID)").object["name"] as? String, acknowledged[someID])
    }
}

/// Acknowledged submissions, recorded from several client threads.
private final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int: String] = [:]

    func record(id: Int, name: String) {
        lock.lock()
        recorded[id] = name
        lock.unlock()
    }

    var entries: [Int: String] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
