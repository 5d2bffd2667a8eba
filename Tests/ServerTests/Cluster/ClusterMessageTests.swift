// CHANNEL messages: every kind round-trips through its text, and malformed text is refused
// (a node must never act on half a message).

@testable import Server
import XCTest

final class ClusterMessageTests: XCTestCase {
    func testEveryKindRoundTrips() {
        let messages: [ClusterMessage] = [
            .assign(node: "web1-42", jobs: [1, 2, 300]), .release(node: "n.2:x", jobs: [7]), .created(count: 12),
            .updated([5]), .deleted([9, 10]), .joined("a"), .left("b"), .dead("c"), .leader("d"),
        ]
        for message in messages {
            XCTAssertEqual(ClusterMessage(message.text), message, message.text)
        }
        XCTAssertEqual(ClusterMessage.assign(node: "a", jobs: [1, 2]).text, "assign a 1,2")
    }

    func testMalformedTextIsRefused() {
        for text in ["", "assign", "assign a", "assign a x,y", "created", "created 0", "created -3", "created many",
                     "deleted", "joined", "joined a b", "hello a", "release a ,", "updated 1 2"] {
            XCTAssertNil(ClusterMessage(text), text)
        }
    }

    func testStrayCommasAndSpacesAreTolerated() {
        XCTAssertEqual(ClusterMessage("assign  a  1,,2,"), .assign(node: "a", jobs: [1, 2]))
    }
}
