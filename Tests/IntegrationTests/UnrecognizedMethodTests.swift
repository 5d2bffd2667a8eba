// UnrecognizedMethodTests: a method the HTTP parser does not know (`QUERY`) is answered as any
// method no route serves — 405 with `Allow` on a path the API serves, 404 elsewhere — not as a
// malformed request; the connection then closes (its body's framing is unknown), so nothing
// sent after it is taken as a request. Found by schemathesis (OpenAPIContractTests).
import Foundation
import XCTest

final class UnrecognizedMethodTests: XCTestCase {
    private var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess()
    }

    override func tearDown() {
        server = nil
    }

    func testAnUnknownMethodOnAServedPathGets405WithAllowThenTheConnectionCloses() throws {
        let client = try RawClient(port: server.port)
        try client.send("QUERY /jobs HTTP/1.1\r\nHost: t\r\nContent-Length: 38\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 405, response.bodyText)
        XCTAssertEqual(response.error["code"] as? String, "method_not_allowed")
        XCTAssertEqual(response.header("Allow"), "GET, HEAD, POST")
        XCTAssertTrue(client.isClosedByPeer(), "closed after the 405")
    }

    func testAnUnknownMethodElsewhereGets404() throws {
        let response = try RawClient(port: server.port).request("QUERY", "/nowhere")
        XCTAssertEqual(response.status, 404, response.bodyText)
        XCTAssertEqual(response.error["code"] as? String, "not_found")
    }
}
