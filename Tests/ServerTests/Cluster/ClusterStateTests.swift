// The cluster's state as the STATE script returns it, and the heartbeat's JSON: parsed into
// members with their load, and refused when the reply has the wrong shape.

@testable import Server
import XCTest

final class ClusterStateTests: XCTestCase {
    private let load = NodeLoad(jobs: 3, weight: 0.25, hostCPU: 0.5, processCPU: 1.25, memTotalKB: 1000, memAvailableKB: 400,
                                cachedKB: 300, rssKB: 60_000, workers: 2)

    func testHeartbeatJSONRoundTrips() throws {
        var load = load
        load.scheduled = 3
        let heartbeat = ClusterState.Heartbeat(address: "10.0.0.1:8080", load: load)
        XCTAssertEqual(ClusterState.Heartbeat(json: heartbeat.json), heartbeat)
        load.clockOffsetMs = -2_999.5
        load.clockErrorMs = 0.125
        let measured = ClusterState.Heartbeat(address: "10.0.0.1:8080", load: load)
        XCTAssertEqual(ClusterState.Heartbeat(json: measured.json), measured, "with the clock's figures")
        XCTAssertNil(ClusterState.Heartbeat(json: "{}"), "no address")
        XCTAssertNil(ClusterState.Heartbeat(json: "not json"))
    }

    func testHeartbeatJSONCarriesTheAddressAndEveryFigureInKeyOrder() {
        var load = load
        load.scheduled = 3
        XCTAssertEqual(ClusterState.Heartbeat(address: "10.0.0.1:8080", load: load).json,
                       #"{"address":"10.0.0.1:8080","cached_kb":300,"clock_error_ms":null,"clock_offset_ms":null,"cpu_host":0.5,"cpu_process":1.25,"jobs":3,"#
                           + #""mem_available_kb":400,"mem_total_kb":1000,"rss_kb":60000,"scheduled":3,"weight":0.25,"workers":2}"#)
    }

    func testStateReplyParses() throws {
        let heartbeat = ClusterState.Heartbeat(address: "127.0.0.1:1", load: load).json
        let reply = RedisReply.array([
            .integer(1_000_000), .string("a"), .integer(4),
            .string("a"), .string("999500"), .string(heartbeat), .integer(3), .string("0.25"),
            .string("b"), .string("990000"), .string(""), .integer(0), .string("0"),
        ])
        let state = try ClusterState(reply)
        XCTAssertEqual(state.now, 1_000_000)
        XCTAssertEqual(state.leader, "a")
        XCTAssertEqual(state.waiting, 4)
        XCTAssertEqual(state.members.map(\.id), ["a", "b"])
        XCTAssertEqual(state.members[0].heartbeatAt, 999_500)
        XCTAssertEqual(state.members[0].jobs, 3)
        XCTAssertEqual(state.members[0].weight, 0.25)
        XCTAssertEqual(state.members[0].published?.load, load)
        XCTAssertNil(state.members[1].published, "its load expired")
    }

    func testNoLeaderAndNoMembers() throws {
        let state = try ClusterState(.array([.integer(5), .string(""), .integer(0)]))
        XCTAssertNil(state.leader)
        XCTAssertEqual(state.members, [])
    }

    func testMisshapenRepliesAreRefused() {
        for reply: RedisReply in [.null, .integer(3), .array([.integer(1)]), .array([.integer(1), .string(""), .integer(0), .string("a")]),
                                  .array([.integer(1), .string(""), .integer(0), .string("a"), .string("x"), .string(""), .integer(0), .string("0")])] {
            XCTAssertThrowsError(try ClusterState(reply), "\(reply)")
        }
    }
}
