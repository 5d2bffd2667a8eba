// A client that pipelines many large requests and never reads holds a bounded amount of the
// node's memory, does not starve other clients, and still gets every answer, in order, once it
// reads (issue 11, row 9).
import Foundation
import XCTest

final class PipelineBoundTests: XCTestCase {
    func testPipelinedLargeAnswersNeverReadKeepTheNodesMemoryBoundedAndArriveInOrder() throws {
        let database = try TestDatabase()
        let server = try ServerProcess(arguments: ["--workers", "1"], environment: database.environment)
        try waitForReady(server)
        let setup = try RawClient(port: server.port)
        // 200 jobs of 4 KiB scripts that never fire: each page of them is about 0.9 MB.
        let script = String(repeating: "echo 0123456789abcdef; ", count: 4096 / 23)
        for index in 0..<200 {
            let body = #"{"name":"big \#(index)","frequency":"1h","startdate":"2099-01-01T00:00:00Z","script":"\#(script)"}"#
            XCTAssertEqual(try setup.request("POST", "/jobs", json: body).status, 201)
        }
        XCTAssertEqual(try setup.request("GET", "/jobs?limit=1000").objectJobs.count, 200, "a warm-up page")
        let before = try residentKilobytes(of: server.pid)

        // 200 pipelined pages, each limit naming its place, sent at once and left unread.
        let limits = (0..<200).map { 200 - $0 % 10 }
        let greedy = try RawClient(port: server.port, receiveTimeout: 20)
        try greedy.send(limits.map { "GET /jobs?limit=\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())

        // Long enough for 128 pages in the handler at once (the old bound) to be answered.
        var peak = before
        let other = try RawClient(port: server.port)
        for _ in 0..<30 {
            XCTAssertEqual(try other.request("GET", "/healthz").status, 200, "other clients are served meanwhile")
            peak = max(peak, try residentKilobytes(of: server.pid))
            usleep(100_000)
        }
        XCTAssertLessThan(peak - before, 64 * 1024, "resident memory grew by \(peak - before) KiB for one unread connection")

        for (index, limit) in limits.enumerated() {
            let response = try greedy.readResponse()
            XCTAssertEqual(response.status, 200, "answer \(index)")
            XCTAssertEqual(response.objectJobs.count, limit, "answer \(index) is the page asked for in its place, whole")
        }
    }
}

private extension RawResponse {
    var objectJobs: [[String: Any]] { object["jobs"] as? [[String: Any]] ?? [] }
}
