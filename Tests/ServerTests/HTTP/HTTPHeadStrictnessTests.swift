// What the request parser refuses that lenient http-parser lets through: header names that
// are not tokens (RFC 9110 §5.1), bare LF line ends and obs-fold (RFC 9112 §2.2, §5.2); and
// how bytes outside ASCII in the target reach the router (percent-encoded). Each input is
// also fed one byte at a time, since a rule must hold across reads.
import XCTest
@testable import Server

final class HTTPHeadStrictnessTests: XCTestCase {
    private func parse(_ bytes: [UInt8], pieceSize: Int) -> (requests: [HTTPRequest], failure: HTTPRequestParser.Failure?) {
        ParserFeed.parse(bytes, pieceSize: pieceSize)
    }

    /// The outcome, checked to be the same whole and byte by byte.
    private func outcome(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> (requests: [HTTPRequest], failure: HTTPRequestParser.Failure?) {
        let bytes = Array(text.utf8)
        let whole = parse(bytes, pieceSize: .max)
        let split = parse(bytes, pieceSize: 1)
        XCTAssertEqual(whole.failure, split.failure, "whole and byte by byte: \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(whole.requests.map(\.target), split.requests.map(\.target), file: file, line: line)
        return whole
    }

    private func assertMalformed(_ text: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(outcome(text, file: file, line: line).failure, .malformed(reason), text.debugDescription, file: file, line: line)
    }

    func testHeaderNamesWithSpacesAreRefused() {
        let tokenRule = "letters, digits and !#$%&'*+-.^_`|~ only"
        assertMalformed("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                        "header name \"Transfer-Encoding \" is not a token (RFC 9110 §5.1): \(tokenRule)")
        assertMalformed("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello",
                        "header name \"Content-Length \" is not a token (RFC 9110 §5.1): \(tokenRule)")
        assertMalformed("GET / HTTP/1.1\r\nBad Header: v\r\n\r\n", "header name \"Bad \" is not a token (RFC 9110 §5.1): \(tokenRule)")
        assertMalformed("GET / HTTP/1.1\r\nHost: x\r\nX-A  : 1\r\n\r\n", "header name \"X-A \" is not a token (RFC 9110 §5.1): \(tokenRule)")
    }

    func testEveryTokenCharacterIsAcceptedInANameAndNothingElse() {
        let tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        let (requests, failure) = outcome("GET / HTTP/1.1\r\n\(tchars): v\r\n\r\n")
        XCTAssertNil(failure)
        XCTAssertEqual(requests.first?.headers[tchars], "v")
        for byte in (0x01...0xFF as ClosedRange<UInt8>) where !tchars.utf8.contains(byte) && byte != UInt8(ascii: ":") {
            let text = Array("GET / HTTP/1.1\r\nX".utf8) + [byte] + Array("Y: v\r\n\r\n".utf8)
            XCTAssertNotNil(parse(text, pieceSize: .max).failure, "0x\(String(byte, radix: 16)) in a name")
        }
    }

    func testBareLineFeedsAreRefusedWhereverTheyEndALine() {
        let reason = "a line ends with a bare LF, not CRLF (RFC 9112 §2.2)"
        assertMalformed("GET / HTTP/1.1\nHost: x\r\n\r\n", reason)
        assertMalformed("GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n", reason)
        assertMalformed("GET / HTTP/1.1\r\nHost: x\n\r\n", reason)
        assertMalformed("GET / HTTP/1.1\r\nHost: x\r\n\n", reason)
        assertMalformed("GET / HTTP/1.1\nHost: x\n\n", reason)
    }

    func testBareCarriageReturnsAndControlsInValuesAreRefused() {
        for value in ["a\rb", "a\u{0}b", "a\u{1}b", "a\u{7F}b", "a\u{1B}b"] {
            XCTAssertNotNil(outcome("GET / HTTP/1.1\r\nX: \(value)\r\n\r\n").failure, value.debugDescription)
        }
        XCTAssertEqual(outcome("GET / HTTP/1.1\r\nX: a\tb c\r\n\r\n").requests.first?.headers["X"], "a\tb c", "tab and space are field content")
    }

    func testFoldedHeaderLinesAreRefused() {
        let reason = "a header line starts with white space: obs-fold is not accepted (RFC 9112 §5.2)"
        assertMalformed("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", reason)
        assertMalformed("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\tchunked\r\n\r\n", reason)
        assertMalformed("GET / HTTP/1.1\r\n Host: x\r\n\r\n", reason)
    }

    func testBodiesAreNotHeldToTheHeadsLineRules() {
        let (requests, failure) = outcome("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\na\nb\r\n c\n\nGET /next HTTP/1.1\r\n\r\n")
        XCTAssertNil(failure)
        XCTAssertEqual(requests.map(\.target), ["/", "/next"])
        XCTAssertEqual(requests.first?.body, Array("a\nb\r\n c\n\n".utf8))
    }

    func testEachMessageOfAPipelineIsChecked() {
        let (requests, failure) = outcome("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nBad Name: x\r\n\r\n")
        XCTAssertEqual(requests.map(\.target), ["/a"])
        XCTAssertEqual(failure, .malformed("header name \"Bad \" is not a token (RFC 9110 §5.1): letters, digits and !#$%&'*+-.^_`|~ only"))
        XCTAssertEqual(outcome("\r\nGET /a HTTP/1.1\r\n\r\n").requests.map(\.target), ["/a"], "an empty line before a request is skipped")
    }

    func testTargetBytesOutsideASCIIArePercentEncoded() {
        let bytes = Array("GET /jobs?name=caf".utf8) + [0xE9] + Array("&b=".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\n\r\n".utf8)
        let request = parse(bytes, pieceSize: .max).requests.first
        XCTAssertEqual(request?.target, "/jobs?name=caf%E9&b=%C3%A9")
        XCTAssertEqual(request?.query, ["b": "é"], "the Latin-1 byte is not text")
        XCTAssertEqual(request?.invalidQueryParameter, "name")
    }
}
