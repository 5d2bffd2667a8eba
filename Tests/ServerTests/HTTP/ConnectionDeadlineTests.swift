import XCTest
@testable import Server

final class ConnectionDeadlineTests: XCTestCase {
    private var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeout = 10
        limits.bodyTimeout = 30
        limits.idleTimeout = 60
        limits.writeTimeout = 20
        return limits
    }

    func testIdleConnectionClosesSilentlyAfterTheIdleTimeout() {
        XCTAssertEqual(ConnectionDeadline.of(.idle(since: 100), limits: limits), ConnectionDeadline(at: 160, expiry: .close))
    }

    func testAHeadIsTimedFromItsFirstByteNotFromTheLastProgress() {
        XCTAssertEqual(ConnectionDeadline.of(.readingHead(since: 100), limits: limits), ConnectionDeadline(at: 110, expiry: .requestTimeout))
    }

    func testABodyGetsItsOwnTimeoutAnd408() {
        XCTAssertEqual(ConnectionDeadline.of(.readingBody(since: 100), limits: limits), ConnectionDeadline(at: 130, expiry: .requestTimeout))
    }

    func testAClientThatStopsReadingIsClosedAfterTheWriteTimeout() {
        XCTAssertEqual(ConnectionDeadline.of(.writeBlocked(since: 100), limits: limits), ConnectionDeadline(at: 120, expiry: .close))
    }

    func testNoClientTimeoutWhileAHandlerWorks() {
        XCTAssertNil(ConnectionDeadline.of(.awaitingHandler, limits: limits))
    }
}
