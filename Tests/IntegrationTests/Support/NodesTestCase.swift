// NodesTestCase: a test case with a database of its own and the nodes a test starts on it
// (alive until the test ends, stopped before the database is dropped).
import Foundation
import XCTest

class NodesTestCase: XCTestCase {
    var database: TestDatabase!
    /// The nodes a test started, alive until it ends.
    var nodes: [ServerProcess] = []

    override func setUpWithError() throws {
        database = try TestDatabase()
    }

    override func tearDown() {
        nodes = []
        database = nil
    }

    /// Starts a node with `arguments`; the node and a client of it.
    func launch(_ arguments: [String]) throws -> (ServerProcess, RawClient) {
        let server = try ServerProcess(arguments: arguments, environment: database.environment)
        try waitForReady(server)
        nodes.append(server)
        return (server, try RawClient(port: server.port))
    }

    /// Creates a job from a JSON body (expects 201); its id.
    func createJob(_ client: RawClient, _ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let response = try client.request("POST", "/jobs", json: body)
        XCTAssertEqual(response.status, 201, response.bodyText, file: file, line: line)
        return try XCTUnwrap(response.object["id"] as? Int, file: file, line: line)
    }
}
