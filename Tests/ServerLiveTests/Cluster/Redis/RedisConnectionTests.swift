// RedisConnection's limits and recovery, against nothing (a closed port), a server that never
// answers (a socket that listens and never reads) and the real Redis that `make services`
// runs: the queue bound, the queue timeout, the command timeout, reconnection after the
// server drops the connection, every completion called exactly once when commands in flight
// are cut off, EVAL for a script whose SHA is not known yet, and the EVAL fallback after
// SCRIPT FLUSH; and the figures each of these leaves in the node's metrics.

import EventLoop
import ExpositionReader
import Foundation
import Glibc
import Logging
@testable import Server
import XCTest

final class RedisConnectionTests: XCTestCase {
    private var reactor: Reactor!

    override func setUpWithError() throws {
        reactor = try Reactor(isolated: true)
    }

    private var redisConfiguration: RedisConnection.Configuration {
        let environment = ProcessInfo.processInfo.environment
        return RedisConnection.Configuration(host: environment["REDISHOST"] ?? "127.0.0.1",
                                             port: Int(environment["REDISPORT"] ?? "") ?? 26379)
    }

    /// A loopback TCP socket bound to a free port, listening (but never reading) or not; the
    /// caller closes it. Closed at once, it leaves a port nothing listens on.
    private func loopbackSocket(listening: Bool) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && (!listening || listen(fd, 8) == 0) && getsockname(fd, $0, &length) == 0
            }
        }
        XCTAssertTrue(ready)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Runs the loop until `done` holds or `seconds` pass.
    private func runLoop(until done: @escaping () -> Bool, seconds: Double = 5) {
        let reactor = reactor!
        let check = TimerWatcher(reactor: reactor) { if done() { reactor.stop() } }
        let deadline = TimerWatcher(reactor: reactor) { reactor.stop() }
        check.start(after: 0.01, every: 0.01)
        deadline.start(after: seconds)
        reactor.run()
        check.stop()
        deadline.stop()
    }

    func testCommandsQueueWhileDisconnectedUpToTheBoundAndTheTimeout() throws {
        let unused = try loopbackSocket(listening: false)
        close(unused.fd)
        var configuration = RedisConnection.Configuration(host: "127.0.0.1", port: unused.port)
        configuration.maxQueued = 3
        configuration.queueTimeout = 0.3
        let connection = RedisConnection(reactor: reactor, configuration: configuration, name: "test", logger: Logger(label: "test"))
        let metrics = NodeMetrics()
        connection.metrics = metrics.client(service: "redis", connection: "test")
        connection.start()
        var outcomes: [Result<RedisReply, RedisError>] = []
        for _ in 0..<4 {
            connection.send(["PING"]) { outcomes.append($0) }
        }
        XCTAssertEqual(outcomes.count, 1, "the fourth is refused at once")
        XCTAssertEqual(outcomes.first.map { if case .failure(.queueFull) = $0 { return true } else { return false } }, true)
        runLoop(until: { outcomes.count == 4 })
        XCTAssertEqual(outcomes.count, 4)
        for outcome in outcomes.dropFirst() {
            guard case .failure(.timedOut) = outcome else { return XCTFail("expected a queue timeout, got \(outcome)") }
        }
        XCTAssertEqual(ExpositionReader.value(#"dsched_client_errors_total{service="redis",connection="test"}"#, in: metrics.exposition()), 4,
                       "the refused command and the three that timed out")
        XCTAssertFalse(connection.isConnected)
        connection.close()
    }

    func testAServerThatNeverAnswersIsDroppedAfterTheCommandTimeout() throws {
        let listener = try loopbackSocket(listening: true)
        defer { close(listener.fd) }
        var configuration = RedisConnection.Configuration(host: "127.0.0.1", port: listener.port)
        configuration.commandTimeout = 0.3
        let connection = RedisConnection(reactor: reactor, configuration: configuration, name: "test", logger: Logger(label: "test"))
        var connected = false
        connection.onConnect = { connected = true }
        connection.start()
        var outcome: Result<RedisReply, RedisError>?
        connection.send(["PING"]) { outcome = $0 }
        runLoop(until: { outcome != nil })
        XCTAssertTrue(connected, "the kernel accepted the connection")
        guard case .failure(.disconnected)? = outcome else { return XCTFail("expected the stalled command to fail, got \(String(describing: outcome))") }
        connection.close()
    }

    func testAConnectionTheServerDropsComesBackAndQueuedCommandsGoOut() throws {
        let connection = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "test", logger: Logger(label: "test"))
        let metrics = NodeMetrics()
        connection.metrics = metrics.client(service: "redis", connection: "test")
        var connects = 0
        connection.onConnect = { connects += 1 }
        connection.start()
        var id: Int64?
        connection.send(["CLIENT", "ID"]) { id = try? $0.get().integer }
        runLoop(until: { id != nil })
        let clientID = try XCTUnwrap(id)
        var killed: Int64?
        let killer = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "killer", logger: Logger(label: "test"))
        killer.start()
        killer.send(["CLIENT", "KILL", "ID", String(clientID)]) { killed = try? $0.get().integer }
        runLoop(until: { killed != nil && !connection.isConnected })
        XCTAssertEqual(killed, 1)
        var pong: String?
        connection.send(["PING"]) { pong = try? $0.get().text }
        runLoop(until: { pong != nil })
        XCTAssertEqual(pong, "PONG", "sent once the connection came back")
        XCTAssertEqual(connects, 2)
        let text = metrics.exposition()
        XCTAssertEqual(ExpositionReader.value(#"dsched_client_reconnects_total{service="redis",connection="test"}"#, in: text), 1)
        XCTAssertEqual(ExpositionReader.value(#"dsched_client_round_trip_seconds_count{service="redis",connection="test"}"#, in: text), 2,
                       "CLIENT ID and PING were answered")
        connection.close()
        killer.close()
    }

    func testAScriptRedisForgotIsSentWhole() throws {
        let connection = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "test", logger: Logger(label: "test"))
        let script = RedisScript("return ARGV[1] .. '!' -- \(UUID().uuidString)")
        connection.scripts = [script]
        connection.start()
        var flushed = false
        connection.send(["SCRIPT", "FLUSH"]) { flushed = (try? $0.get()) != nil }
        runLoop(until: { flushed })
        var answer: String?
        connection.evaluate(script, keys: [], arguments: ["hi"]) { answer = try? $0.get().text }
        runLoop(until: { answer != nil })
        XCTAssertEqual(answer, "hi!", "NOSCRIPT, then EVAL")
        let sha = try XCTUnwrap(connection.sha(of: script), "the load answered with the SHA before the flush")
        var exists: [RedisReply] = []
        connection.send(["SCRIPT", "EXISTS", sha]) { exists = (try? $0.get().elements) ?? [] }
        runLoop(until: { !exists.isEmpty })
        XCTAssertEqual(exists, [.integer(1)], "and the EVAL cached it again")
        connection.close()
    }

    func testAScriptSentBeforeItsLoadWasAnsweredGoesWhole() throws {
        let connection = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "test", logger: Logger(label: "test"))
        let script = RedisScript("return ARGV[1] .. '?' -- \(UUID().uuidString)")
        let unlisted = RedisScript("return ARGV[1] .. '.' -- \(UUID().uuidString)")
        connection.scripts = [script]
        var answers: [String?] = []
        connection.evaluate(script, keys: [], arguments: ["early"]) { answers.append(try? $0.get().text) }
        XCTAssertNil(connection.sha(of: script), "not connected yet: no SHA known")
        connection.start()
        connection.evaluate(unlisted, keys: [], arguments: ["never loaded"]) { answers.append(try? $0.get().text) }
        runLoop(until: { answers.count == 2 })
        XCTAssertEqual(answers, ["early?", "never loaded."])
        XCTAssertNotNil(connection.sha(of: script), "known once the load was answered")
        XCTAssertNil(connection.sha(of: unlisted))
        connection.close()
    }

    /// A command that blocks the connection on the server (BLPOP on a key nobody fills), then
    /// `count` PINGs queued behind it: all in flight until the connection goes. Returns how
    /// many times each completion ran, and the connection's client id.
    private func blockedCommands(on connection: RedisConnection, count: Int) throws -> (calls: () -> [Int], clientID: Int64) {
        var id: Int64?
        connection.send(["CLIENT", "ID"]) { id = try? $0.get().integer }
        runLoop(until: { id != nil })
        let clientID = try XCTUnwrap(id)
        var calls = [Int](repeating: 0, count: count + 1)
        connection.send(["BLPOP", "dsched_test_never_filled_\(UUID().uuidString)", "30"]) { outcome in
            calls[0] += 1
            guard case .failure(.disconnected) = outcome else { return XCTFail("BLPOP: expected .disconnected, got \(outcome)") }
        }
        for index in 1...count {
            connection.send(["PING"]) { outcome in
                calls[index] += 1
                guard case .failure(.disconnected) = outcome else { return XCTFail("PING \(index): expected .disconnected, got \(outcome)") }
            }
        }
        return ({ calls }, clientID)
    }

    func testEveryCommandInFlightCompletesOnceWhenTheServerDropsTheConnection() throws {
        let connection = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "test", logger: Logger(label: "test"))
        var connects = 0
        connection.onConnect = { connects += 1 }
        connection.start()
        let (calls, clientID) = try blockedCommands(on: connection, count: 200)
        let killer = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "killer", logger: Logger(label: "test"))
        killer.start()
        var blocked = false
        runLoop(until: {
            killer.send(["CLIENT", "LIST", "ID", String(clientID)]) { blocked = (try? $0.get().text)?.contains("flags=b") == true }
            return blocked
        })
        XCTAssertTrue(blocked, "the BLPOP holds the connection, the PINGs wait behind it")
        var killed: Int64?
        killer.send(["CLIENT", "KILL", "ID", String(clientID)]) { killed = try? $0.get().integer }
        var pong: String?
        runLoop(until: { killed != nil && connects == 2 })
        connection.send(["PING"]) { pong = try? $0.get().text }
        runLoop(until: { pong != nil })
        XCTAssertEqual(killed, 1)
        XCTAssertEqual(pong, "PONG", "the connection came back")
        XCTAssertEqual(calls(), [Int](repeating: 1, count: 201), "each completion ran exactly once")
        connection.close()
        killer.close()
    }

    func testEveryCommandInFlightCompletesOnceWhenTheConnectionIsClosed() throws {
        let connection = RedisConnection(reactor: reactor, configuration: redisConfiguration, name: "test", logger: Logger(label: "test"))
        connection.start()
        let (calls, _) = try blockedCommands(on: connection, count: 200)
        connection.close()
        XCTAssertEqual(calls(), [Int](repeating: 1, count: 201), "each completion ran exactly once, during close")
    }
}
