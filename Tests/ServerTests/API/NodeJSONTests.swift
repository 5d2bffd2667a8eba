// GET /nodes's body: each member's published figures beside what Redis knows of it, null for
// a member whose heartbeat's load expired; the clock's offset to the microsecond; keys
// alphabetical.

@testable import Server
import XCTest

final class NodeJSONTests: XCTestCase {
    func testEachMemberShowsItsPublishedFiguresOrNullsOnceTheyExpired() throws {
        var load = NodeLoad(jobs: 3, weight: 0.25, hostCPU: 0.5, processCPU: 1.25, memTotalKB: 1000, memAvailableKB: 400,
                            cachedKB: 300, rssKB: 60_000, workers: 2)
        load.clockOffsetMs = -3_000.123_456_7
        load.clockErrorMs = 0.25
        let heartbeat = ClusterState.Heartbeat(address: "127.0.0.1:1", load: load).json
        let state = try ClusterState(.array([
            .integer(1_000_000), .string("a"), .integer(4),
            .string("a"), .string("999500"), .string(heartbeat), .integer(3), .string("0.25"),
            .string("b"), .string("990000"), .string(""), .integer(0), .string("0"),
        ]))
        var json = JSONWriter()
        NodeJSON.write(state, into: &json)
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self),
                       #"{"leader":"a","nodes":["#
                           + #"{"address":"127.0.0.1:1","cached_kb":300,"clock_error_ms":0.25,"clock_offset_ms":-3000.123,"cpu_host":0.5,"cpu_process":1.25,"heartbeat_age_ms":500,"#
                           + #""id":"a","jobs":3,"leader":true,"mem_available_kb":400,"mem_total_kb":1000,"rss_kb":60000,"#
                           + #""scheduled":0,"weight":0.25,"workers":2},"#
                           + #"{"address":null,"cached_kb":null,"clock_error_ms":null,"clock_offset_ms":null,"cpu_host":null,"cpu_process":null,"heartbeat_age_ms":10000,"#
                           + #""id":"b","jobs":0,"leader":false,"mem_available_kb":null,"mem_total_kb":null,"rss_kb":null,"#
                           + #""scheduled":null,"weight":0.0,"workers":null}"#
                           + #"],"waiting":4}"#)
    }
}
