import Foundation
import XCTest
@testable import Server

final class RouterTests: XCTestCase {
    private var handled: [(route: String, parameters: [String: String])] = []

    private func makeRouter() -> Router {
        let router = Router()
        for (method, pattern) in [("GET", "/jobs"), ("POST", "/jobs"), ("GET", "/jobs/{id}"), ("DELETE", "/jobs/{id}"),
                                  ("POST", "/jobs/{id}/pause"), ("GET", "/runs/{id}")] {
            router.add(method, pattern) { [unowned self] request, responder in
                handled.append(("\(method) \(pattern)", request.pathParameters))
                responder.respond(HTTPResponse(status: .ok))
            }
        }
        return router
    }

    /// Routes one request; returns the route that handled it (if any) and the answer.
    private func route(_ method: String, _ target: String) -> (route: String?, parameters: [String: String], response: HTTPResponse?) {
        handled = []
        let collector = ResponseCollector()
        makeRouter().handle(HTTPRequest(method: method, target: target), collector.responder())
        return (handled.first?.route, handled.first?.parameters ?? [:], collector.responses[0])
    }

    func testExactRoutesAndParameters() {
        XCTAssertEqual(route("GET", "/jobs").route, "GET /jobs")
        XCTAssertEqual(route("GET", "/jobs/").route, "GET /jobs", "a trailing slash is ignored")
        XCTAssertEqual(route("POST", "/jobs?x=1").route, "POST /jobs")
        XCTAssertEqual(route("GET", "/jobs/42").route, "GET /jobs/{id}")
        XCTAssertEqual(route("GET", "/jobs/42").parameters, ["id": "42"])
        XCTAssertEqual(route("POST", "/jobs/7/pause").parameters, ["id": "7"])
        XCTAssertEqual(route("GET", "/runs/a%20b").parameters, ["id": "a b"])
    }

    func testHeadIsServedByGet() {
        XCTAssertEqual(route("HEAD", "/jobs/1").route, "GET /jobs/{id}")
    }

    func testUnknownPathIs404WithErrorBody() throws {
        let result = route("GET", "/jobs/1/unknown")
        XCTAssertNil(result.route)
        XCTAssertEqual(result.response?.status, .notFound)
        let body = try JSONSerialization.jsonObject(with: Data(result.response!.body)) as? [String: [String: String]]
        XCTAssertEqual(body?["error"]?["code"], "not_found")
    }

    func testOtherMethodIs405WithSortedAllow() {
        let result = route("PUT", "/jobs/1")
        XCTAssertNil(result.route)
        XCTAssertEqual(result.response?.status, .methodNotAllowed)
        XCTAssertEqual(result.response?.headers["Allow"], "DELETE, GET, HEAD")
    }
}
