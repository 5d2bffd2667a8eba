import XCTest
@testable import Server

final class HTTPResponseTests: XCTestCase {
    private func text(_ response: HTTPResponse, connection: StaticString? = nil, headOnly: Bool = false) -> String {
        let date = HTTPDate()
        date.update(now: 0)
        var bytes: [UInt8] = []
        response.serialize(into: &bytes, date: date, connectionHeader: connection, headOnly: headOnly)
        return String(decoding: bytes, as: UTF8.self)
    }

    func testSerializesStatusDateTypeLengthAndBody() {
        let response = HTTPResponse(status: .ok, contentType: "application/json", body: Array("{}".utf8))
        XCTAssertEqual(text(response), "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }

    func testHeadKeepsTheLengthAndDropsTheBody() {
        let response = HTTPResponse(status: .ok, body: Array("hello".utf8))
        XCTAssertTrue(text(response, headOnly: true).hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    func testConnectionHeaderAndExtraHeaders() {
        let response = HTTPResponse(status: .created, headers: HTTPHeaders([("Location", "/jobs/1")]))
        XCTAssertTrue(text(response, connection: "close").contains("Content-Length: 0\r\nConnection: close\r\nLocation: /jobs/1\r\n\r\n"))
    }

    func testNoContentHasNoLengthAndNoBody() {
        XCTAssertFalse(text(HTTPResponse(status: .noContent, body: [1])).contains("Content-Length"))
    }

    func testDecimalFormatting() {
        for value in [0, 7, 10, 99, 100, 12345, 1 << 40, Int.max] {
            var bytes: [UInt8] = []
            HTTPResponse.appendDecimal(value, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), String(value))
        }
    }

    func testErrorBodyShape() throws {
        let response = HTTPResponse.error(.badRequest, code: "invalid_field", message: "name: must not be empty", field: "name")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       #"{"error":{"code":"invalid_field","field":"name","message":"name: must not be empty"}}"#)
        XCTAssertEqual(response.contentType, "application/json")
    }

    func testHeaderLookUpIgnoresASCIICase() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("X-Id", "b")])
        XCTAssertEqual(headers["content-type"], "a")
        XCTAssertEqual(headers["X-ID"], "b")
        XCTAssertNil(headers["X-Ie"])
        XCTAssertFalse(HTTPHeaders.equalIgnoringASCIICase("a-b", "a\rb"))
    }
}
