// The cluster's Lua scripts on the real Redis that `make services` runs (its own key
// namespace per test), through RedisConnection on a loop of the test's own: the lease and
// its fencing epoch, assignment, moves, failover, reclaim and the running weight sums.

import EventLoop
@testable import Server
import Foundation
import Logging
import XCTest

final class ClusterScriptsTests: XCTestCase {
    private var reactor: Reactor!
    private var redis: RedisConnection!
    private var keys: ClusterKeys!

    override func setUpWithError() throws {
        reactor = try Reactor(isolated: true)
        let environment = ProcessInfo.processInfo.environment
        let configuration = RedisConnection.Configuration(host: environment["REDISHOST"] ?? "127.0.0.1",
                                                          port: Int(environment["REDISPORT"] ?? "") ?? 26379)
        redis = RedisConnection(reactor: reactor, configuration: configuration, name: "test", logger: Logger(label: "test"))
        redis.start()
        let prefix = "dsched_script_test_\(UInt32.random(in: 0...UInt32.max))"
        keys = ClusterKeys(processStore: prefix + ":p", jobStore: prefix + ":s", jobProcessed: prefix + ":j", channel: prefix + ":c")
    }

    override func tearDownWithError() throws {
        _ = try? send(["EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", "0",
                       keys.processStore.dropLast(2) + ":*"])
        redis.close()
    }

    /// Runs the loop until the command's answer (at most 5 s).
    private func send(_ arguments: [String]) throws -> RedisReply {
        try wait { self.redis.send(arguments, completion: $0) }
    }

    private func run(_ script: RedisScript, _ arguments: [String]) throws -> RedisReply {
        try wait { self.redis.evaluate(script, keys: self.keys.scriptKeys, arguments: [self.keys.channel] + arguments, completion: $0) }
    }

    private func wait(_ start: (@escaping RedisConnection.Completion) -> Void) throws -> RedisReply {
        var outcome: Result<RedisReply, RedisError>?
        let reactor = reactor!
        let deadline = TimerWatcher(reactor: reactor) { reactor.stop() }
        deadline.start(after: 5)
        start { result in
            outcome = result
            reactor.stop()
        }
        if outcome == nil { reactor.run() }
        deadline.stop()
        return try XCTUnwrap(outcome, "no answer from Redis within 5 s").get()
    }

    private func heartbeat(_ node: String) throws -> RedisReply {
        try run(ClusterScripts.heartbeat, [node, "{}", "10000", keys.ownChannel(of: node)])
    }

    private func lease(_ node: String, ttl: Int = 10_000) throws -> (epoch: Int64, new: Bool) {
        let answer = try run(ClusterScripts.lease, [node, String(ttl)]).elements.compactMap(\.integer)
        return (answer[0], answer[1] == 1)
    }

    func testTheLeaseFencesAStaleLeader() throws {
        let first = try lease("a", ttl: 100)
        XCTAssertGreaterThan(first.epoch, 0)
        XCTAssertTrue(first.new)
        XCTAssertEqual(try lease("a", ttl: 100).new, false, "renewed, same epoch")
        XCTAssertEqual(try lease("b").epoch, 0, "another node does not lead while the lease holds")
        // Past the 100 ms lease by the clock: a signal (SIGCHLD of another test's child) may cut
        // a single usleep short.
        let lapsed = Date().addingTimeInterval(0.2)
        while Date() < lapsed { usleep(10_000) }
        let second = try lease("b")
        XCTAssertEqual(second.epoch, first.epoch + 1, "a lapsed lease goes to the next node with a new epoch")
        _ = try heartbeat("b")
        _ = try run(ClusterScripts.submit, ["7", "0.5"])
        XCTAssertEqual(try run(ClusterScripts.assign, ["a", String(first.epoch), "7", "b"]).integer, -1, "the old leader is fenced")
        XCTAssertEqual(try send(["ZCARD", keys.jobStore]).integer, 1, "and changed nothing")
        XCTAssertEqual(try run(ClusterScripts.assign, ["b", String(second.epoch), "7", "b"]).integer, 1)
        XCTAssertEqual(try send(["HGET", keys.jobProcessed, "7"]).text, "b")
    }

    func testAssignMoveFailoverKeepOneOwnerAndTheWeightSums() throws {
        let epoch = String(try lease("a").epoch)
        for node in ["a", "b"] {
            XCTAssertEqual(try heartbeat(node).integer, 1, "joined")
        }
        XCTAssertEqual(try run(ClusterScripts.submit, ["1", "0.25", "2", "0.5", "3", "1"]).integer, 3)
        XCTAssertEqual(try run(ClusterScripts.submit, ["1", "0.25"]).integer, 0, "already waiting")
        XCTAssertEqual(try run(ClusterScripts.assign, ["a", epoch, "1", "a", "2", "b", "3", "ghost"]).integer, 2,
                       "a job for a node that is not a member stays waiting")
        XCTAssertEqual(try run(ClusterScripts.submit, ["1", "0.25"]).integer, 0, "owned jobs are not queued again")
        XCTAssertEqual(try run(ClusterScripts.move, ["a", epoch, "1", "a", "b", "2", "a", "b"]).integer, 1,
                       "only a job the mover really owns moves")
        var state = try ClusterState(run(ClusterScripts.state, ["fast"]))
        XCTAssertEqual(state.waiting, 1)
        XCTAssertEqual(state.members.first { $0.id == "b" }?.weight ?? 0, 0.75, accuracy: 1e-9)
        XCTAssertEqual(state.members.first { $0.id == "a" }?.weight ?? 1, 0, accuracy: 1e-9)
        XCTAssertEqual(try run(ClusterScripts.failover, ["a", epoch, "b", "10000"]).integer, -2, "b heartbeated just now")
        XCTAssertEqual(try run(ClusterScripts.failover, ["a", epoch, "b", "0"]).integer, 2)
        XCTAssertEqual(try send(["HLEN", keys.jobProcessed]).integer, 0)
        state = try ClusterState(run(ClusterScripts.state, ["exact"]))
        XCTAssertEqual(state.waiting, 3, "every job of the dead node waits again")
        XCTAssertEqual(state.members.map(\.id), ["a"])
        XCTAssertEqual(try heartbeat("b").integer, 1, "b comes back")
    }

    func testReclaimAndShareNeedMembership() throws {
        XCTAssertEqual(try run(ClusterScripts.reclaim, ["a", "1", "0.5"]).integer, -1, "not a member yet")
        XCTAssertEqual(try run(ClusterScripts.share, ["a"]).integer, -1)
        _ = try heartbeat("a")
        _ = try heartbeat("b")
        let epoch = String(try lease("b").epoch)
        _ = try run(ClusterScripts.submit, ["2", "1"])
        _ = try run(ClusterScripts.assign, ["b", epoch, "2", "b"])
        let lost = try run(ClusterScripts.reclaim, ["a", "1", "0.5", "2", "1"]).elements.compactMap(\.integer)
        XCTAssertEqual(lost, [2], "a job another node owns is not taken back")
        XCTAssertEqual(try run(ClusterScripts.share, ["a"]).elements.compactMap(\.integer), [1])
        XCTAssertEqual(try run(ClusterScripts.leave, ["a"]).integer, 1)
        XCTAssertEqual(try send(["ZSCORE", keys.jobStore, "1"]).text, "0.5", "a leaving node's jobs wait for an owner")
    }
}
