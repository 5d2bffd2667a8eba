// Request heads a lenient parser frames differently from a proxy in front, sent over a raw
// socket to the real binary: each gets 400 `malformed_request` and the connection is closed,
// so nothing after it is taken as a request (no smuggling).
import Foundation
import XCTest

final class HTTPHeadRulesTests: XCTestCase {
    private var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess()
    }

    override func tearDown() {
        server = nil
    }

    private func assertRefusedAndClosed(_ head: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try RawClient(port: server.port)
        // A request smuggled behind the bad one: it must never be answered.
        try client.send(head + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400, head.debugDescription, file: file, line: line)
        XCTAssertEqual(response.error["code"] as? String, "malformed_request", file: file, line: line)
        XCTAssertEqual(response.error["message"] as? String, "malformed HTTP request: \(reason)", file: file, line: line)
        XCTAssertTrue(client.isClosedByPeer(), "closed after the 400: \(head.debugDescription)", file: file, line: line)
    }

    func testHeaderNamesMustBeTokens() throws {
        let rule = "is not a token (RFC 9110 §5.1): letters, digits and !#$%&'*+-.^_`|~ only"
        try assertRefusedAndClosed("POST /jobs HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                                   "header name \"Transfer-Encoding \" \(rule)")
        try assertRefusedAndClosed("POST /jobs HTTP/1.1\r\nHost: t\r\nContent-Length : 3\r\n\r\nabc", "header name \"Content-Length \" \(rule)")
        try assertRefusedAndClosed("GET /healthz HTTP/1.1\r\nBad Header: v\r\n\r\n", "header name \"Bad \" \(rule)")
    }

    func testLinesEndWithCRLFAndAreNotFolded() throws {
        try assertRefusedAndClosed("GET /healthz HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n",
                                   "a line ends with a bare LF, not CRLF (RFC 9112 §2.2)")
        try assertRefusedAndClosed("GET /healthz HTTP/1.1\r\nX: a\r\n chunked\r\n\r\n",
                                   "a header line starts with white space: obs-fold is not accepted (RFC 9112 §5.2)")
    }

    func testControlCharactersInValuesAreRefused() throws {
        for value in ["a\u{0}b", "a\rb", "a\u{7F}"] {
            let client = try RawClient(port: server.port)
            try client.send("GET /healthz HTTP/1.1\r\nX: \(value)\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 400, value.debugDescription)
            XCTAssertEqual(response.error["code"] as? String, "malformed_request")
            XCTAssertTrue(client.isClosedByPeer())
        }
    }

    func testWellFormedHeadsStillPass() throws {
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Odd_Name.v2!~: a\tb \r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        try client.send("\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200, "an empty line before a request is skipped")
    }
}
