// Path and query parameters reach handlers only as text: a parameter that decodes to NUL or to
// bytes that are not UTF-8 is answered 400 by the router, naming it, before any handler runs.
import XCTest
@testable import Server

final class RouterParameterTests: XCTestCase {
    /// Routes one request to `GET /jobs` or `GET /jobs/{id}`; the parameters a handler saw, or the error body.
    private func route(_ target: String) -> (path: [String: String]?, query: [String: String]?, response: HTTPResponse?) {
        let router = Router()
        var seen: (path: [String: String], query: [String: String])?
        for pattern in ["/jobs", "/jobs/{id}"] {
            router.add("GET", pattern) { request, responder in
                seen = (request.pathParameters, request.query)
                responder.respond(HTTPResponse(status: .ok))
            }
        }
        let collector = ResponseCollector()
        router.handle(HTTPRequest(method: "GET", target: target), collector.responder())
        return (seen?.path, seen?.query, collector.responses[0])
    }

    private func assertRefused(_ target: String, naming field: String, file: StaticString = #filePath, line: UInt = #line) {
        let (path, query, response) = route(target)
        XCTAssertNil(path, "no handler ran for \(target)", file: file, line: line)
        XCTAssertNil(query, file: file, line: line)
        XCTAssertEqual(response?.status, .badRequest, target, file: file, line: line)
        let body = String(decoding: response?.body ?? [], as: UTF8.self)
        XCTAssertEqual(body, #"{"error":{"code":"invalid_value","field":"\#(field)","message":"\#(field): must be UTF-8 text without NUL once percent-decoded"}}"#,
                       target, file: file, line: line)
    }

    func testANULInAQueryParameterIsRefusedByName() {
        assertRefused("/jobs?name=x%00y", naming: "name")
        assertRefused("/jobs?limit=10&name=%00", naming: "name")
        assertRefused("/jobs?na%00me=x", naming: "na%00me")
        assertRefused("/jobs?unknown=%00", naming: "unknown")
    }

    func testInvalidUTF8InAQueryParameterIsRefusedByName() {
        for value in ["caf%E9", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E2%82", "%80", "%FF"] {
            assertRefused("/jobs?after=1&name=\(value)", naming: "name")
        }
    }

    func testPathParametersAreHeldToTheSameRule() {
        assertRefused("/jobs/1%00", naming: "id")
        assertRefused("/jobs/%E9", naming: "id")
        XCTAssertEqual(route("/jobs/%31%32").path, ["id": "12"])
        XCTAssertEqual(route("/jobs/caf%C3%A9").path, ["id": "café"])
    }

    func testTextParametersStillDecode() {
        XCTAssertEqual(route("/jobs?name=caf%C3%A9+au+lait&limit=5&empty=&flag").query,
                       ["name": "café au lait", "limit": "5", "empty": "", "flag": ""])
        XCTAssertEqual(route("/jobs?name=%F0%9F%98%80").query, ["name": "😀"])
        XCTAssertEqual(route("/jobs?x=%zz&y=%4").query, ["x": "%zz", "y": "%4"], "an incomplete escape stays as sent")
        XCTAssertEqual(route("/jobs?x=%+0&y=%-0").query, ["x": "% 0", "y": "%-0"], "an escape takes two hex digits, no sign")
    }

    func testUnknownPathsAndMethodsAreAnsweredFirst() {
        XCTAssertEqual(route("/nowhere?name=%00").response?.status, .notFound)
        let router = Router()
        router.add("GET", "/jobs") { _, responder in responder.respond(HTTPResponse(status: .ok)) }
        let collector = ResponseCollector()
        router.handle(HTTPRequest(method: "DELETE", target: "/jobs?name=%00"), collector.responder())
        XCTAssertEqual(collector.responses[0]?.status, .methodNotAllowed)
    }
}
