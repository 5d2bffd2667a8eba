// NodesTestCase: a test case with a database of its own and the nodes a test starts on it
// (alive until the test ends, stopped before the database is dropped).
import Foundation
import XCTest

class NodesTestCase: XCTestCase {
    var database: TestDatabase!
    /// The nodes a test started, alive until it ends.
    var nodes: [ServerProcess] = []
    /// An empty file of the test's own, where its jobs' scripts log what ran.
    var marks: URL!

    override func setUpWithError() throws {
        database = try TestDatabase()
        marks = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-\(type(of: self))-\(UUID().uuidString).marks")
        XCTAssertTrue(FileManager.default.createFile(atPath: marks.path, contents: nil))
    }

    override func tearDown() {
        nodes = []
        database = nil
        try? FileManager.default.removeItem(at: marks)
    }

    /// Starts a node with `arguments`; the node and a client of it.
    func launch(_ arguments: [String]) throws -> (ServerProcess, RawClient) {
        let server = try ServerProcess(arguments: arguments, environment: database.environment)
        try waitForReady(server)
        nodes.append(server)
        return (server, try RawClient(port: server.port))
    }

    /// Starts a node with id `id` and waits until it is a member of the test's cluster.
    func launchMember(_ id: String, _ arguments: [String]) throws -> (ServerProcess, RawClient) {
        let (server, client) = try launch(["--node-id", id] + arguments)
        XCTAssertTrue(try waitUntil(timeout: 10) {
            let members = try client.request("GET", "/nodes").object["nodes"] as? [[String: Any]] ?? []
            return members.contains { $0["id"] as? String == id }
        }, "node \(id) joins the cluster")
        return (server, client)
    }

    /// The node owning a job (JOB_PROCESSED), once it has one.
    func waitForOwner(of job: Int, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var owner = ""
        XCTAssertTrue(try waitUntil(timeout: 20) {
            owner = try redis(["HGET", "\(database.name):job_processed", String(job)])
            return !owner.isEmpty
        }, "job \(job) gets an owner", file: file, line: line)
        return owner
    }

    /// Creates a job from a JSON body (expects 201); its id.
    func createJob(_ client: RawClient, _ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let response = try client.request("POST", "/jobs", json: body)
        XCTAssertEqual(response.status, 201, response.bodyText, file: file, line: line)
        return try XCTUnwrap(response.object["id"] as? Int, file: file, line: line)
    }
}
