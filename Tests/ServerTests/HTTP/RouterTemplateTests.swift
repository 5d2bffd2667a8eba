import XCTest
@testable import Server

/// The Router tells which template answered, so that metrics never see a raw path.
final class RouterTemplateTests: XCTestCase {
    private func routeIndex(_ router: Router, _ method: String, _ target: String) -> Int? {
        let collector = ResponseCollector()
        router.handle(HTTPRequest(method: method, target: target), collector.responder())
        return collector.routes[0]
    }

    private func makeRouter() -> Router {
        let router = Router()
        for (method, pattern) in [("GET", "/jobs"), ("POST", "/jobs"), ("GET", "/jobs/{id}"), ("DELETE", "/jobs/{id}")] {
            router.add(method, pattern) { _, responder in responder.respond(HTTPResponse(status: .ok)) }
        }
        return router
    }

    func testEachPatternHasOneTemplateWhateverItsMethods() {
        XCTAssertEqual(makeRouter().routeTemplates, ["unmatched", "/jobs", "/jobs/{id}"])
    }

    func testAnswersCarryTheMatchedTemplateNotThePath() {
        let router = makeRouter()
        let templates = router.routeTemplates
        XCTAssertEqual(routeIndex(router, "GET", "/jobs/12").map { templates[$0] }, "/jobs/{id}")
        XCTAssertEqual(routeIndex(router, "DELETE", "/jobs/99999").map { templates[$0] }, "/jobs/{id}")
        XCTAssertEqual(routeIndex(router, "GET", "/jobs/").map { templates[$0] }, "/jobs")
    }

    func testUnknownPathsShareTheUnmatchedTemplateAndWrongMethodsKeepTheirs() {
        let router = makeRouter()
        let templates = router.routeTemplates
        XCTAssertEqual(routeIndex(router, "GET", "/nope/1").map { templates[$0] }, "unmatched")
        XCTAssertEqual(routeIndex(router, "GET", "/other").map { templates[$0] }, "unmatched")
        XCTAssertEqual(routeIndex(router, "PUT", "/jobs/3").map { templates[$0] }, "/jobs/{id}", "a 405 counts under its route")
    }
}
