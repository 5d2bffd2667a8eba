// HTTPLimits.mayDispatch: when a connection may hand its next pipelined request to the handler.
@testable import Server
import XCTest

final class HTTPLimitsTests: XCTestCase {
    private let limits = HTTPLimits()

    func testTheNextRequestWaitsWhileThePreviousOneIsWithTheHandler() {
        XCTAssertFalse(limits.mayDispatch(awaitingAnswer: true, unsentBytes: 0),
                       "an answer's size is unknown until given: two in the handler could each be huge")
        XCTAssertTrue(limits.mayDispatch(awaitingAnswer: false, unsentBytes: 0))
    }

    func testNoRequestIsDispatchedWhileTheUnsentAnswersPassTheLimit() {
        XCTAssertTrue(limits.mayDispatch(awaitingAnswer: false, unsentBytes: limits.maxBufferedResponseBytes))
        XCTAssertFalse(limits.mayDispatch(awaitingAnswer: false, unsentBytes: limits.maxBufferedResponseBytes + 1))
        XCTAssertFalse(limits.mayDispatch(awaitingAnswer: false, unsentBytes: 600 << 20), "whatever one answer's size")
    }
}
