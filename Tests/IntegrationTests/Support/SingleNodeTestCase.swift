// SingleNodeTestCase: a test case with a database of its own and one node on it, started by
// the test with its own options (`start`), stopped before the database is dropped; with the
// job API calls most tests make.
import Foundation
import XCTest

class SingleNodeTestCase: XCTestCase {
    var database: TestDatabase!
    var server: ServerProcess!
    var client: RawClient!

    override func setUpWithError() throws {
        database = try TestDatabase()
    }

    override func tearDown() {
        client = nil
        server = nil
        database = nil
    }

    /// Starts the node with `arguments` and connects the client.
    func start(_ arguments: [String] = []) throws {
        server = try ServerProcess(arguments: arguments, environment: database.environment)
        try waitForReady(server)
        client = try RawClient(port: server.port)
    }

    /// Creates a job from a JSON body (expects 201); its id.
    func create(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let response = try client.request("POST", "/jobs", json: body)
        XCTAssertEqual(response.status, 201, response.bodyText, file: file, line: line)
        return try XCTUnwrap(response.object["id"] as? Int, file: file, line: line)
    }

    /// Runs a job now (expects 201); the run's id.
    func runNow(_ job: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let response = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(response.status, 201, response.bodyText, file: file, line: line)
        return try XCTUnwrap(response.object["id"] as? Int, file: file, line: line)
    }

    /// A run as GET /runs/{id} shows it.
    func run(_ runID: Int) throws -> [String: Any] {
        try client.request("GET", "/runs/\(runID)").object
    }

    /// Runs of a job in job_run matching an SQL condition.
    func count(_ job: Int, _ condition: String) throws -> Int {
        Int(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND \(condition)")) ?? -1
    }
}
