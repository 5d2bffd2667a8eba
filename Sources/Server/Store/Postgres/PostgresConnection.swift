// PostgresConnection: one libpq connection driven by the reactor, never blocking the loop.
//
// States: disconnected → connecting (PQconnectStartParams, then PQconnectPoll as the socket
// asks; the socket may change between polls, so it is re-read each time) → preparing (the
// prelude script, e.g. migrations, runs first on every new connection) → ready. Queries are
// queued and sent one at a time (PQsendQueryParams, or PQsendPrepare once per connection and
// then PQsendQueryPrepared for named statements; then PQflush until 0, waiting for
// writability); results arrive on readability (PQconsumeInput, then PQgetResult while not
// PQisBusy, until NULL). Callers batch work into few queries (group commit), so one
// connection carries many requests per round trip.
//
// A lost connection fails the query in flight (.connectionLost: it may have run) and
// reconnects with exponential back-off (100 ms doubling to 5 s). Queued queries wait, up to
// `maxQueued` of them and at most `queueTimeout` seconds each, then fail .unavailable.
// This type owns the PGconn and frees it (PQfinish) on every disconnect and on deinit.
import EventLoop
import CEventLoop
import Collections
import Foundation
import Logging

public final class PostgresConnection {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var database: String
        public var maxQueued = 10_000
        public var queueTimeout = 5.0
        public var connectTimeout = 5.0
        /// Longest a statement may run on the server before it is cancelled (ms); bounds how
        /// long a lock or a stalled server can hold a request.
        public var statementTimeoutMilliseconds = 30_000

        public init(host: String, port: Int, user: String, password: String, database: String) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
        }
    }

    enum State {
        case disconnected
        case connecting
        case preparing
        case ready
    }

    let reactor: Reactor
    let configuration: Configuration
    let logger: Logger
    /// A script run on each new connection before any queued query (migrations).
    let prelude: String?

    var state = State.disconnected
    var connection: OpaquePointer?
    var watcher: IOWatcher?
    var retryTimer: TimerWatcher!
    var expiryTimer: TimerWatcher!
    var connectDeadline: TimerWatcher!
    var backoff = 0.1
    var lastError = "not connected yet"

    var queue = Deque<PostgresQuery>()
    /// Statements prepared in this connection's session (cleared when it is lost).
    var preparedStatements: Set<String> = []
    var inFlight: PostgresQuery?
    /// Monotonic seconds when the query in flight was sent, for its round trip.
    var sentAt = 0.0
    /// Whether a connection was ready before: the next one is a reconnection.
    var wasReady = false
    /// Round trips, failed queries and reconnections (NodeMetrics).
    var metrics = ClientMetrics.none
    var result = PostgresResult()
    var failure: PostgresError?

    public init(reactor: Reactor, configuration: Configuration, prelude: String? = nil, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.prelude = prelude
        self.logger = logger
        retryTimer = TimerWatcher(reactor: reactor) { [unowned self] in connect() }
        expiryTimer = TimerWatcher(reactor: reactor) { [unowned self] in expireQueued() }
        connectDeadline = TimerWatcher(reactor: reactor) { [unowned self] in
            if state == .connecting { lost("connection attempt timed out") }
        }
    }

    deinit {
        watcher = nil
        if let connection { PQfinish(connection) }
    }

    /// Whether queries are being sent (connected, schema ready).
    public var isReady: Bool { state == .ready }

    /// Queries queued or in flight.
    public var load: Int { queue.count + (inFlight == nil ? 0 : 1) }

    /// Why the connection is not ready, for logs and /readyz.
    public var unavailableReason: String { lastError }

    public func start() {
        connect()
    }

    /// Queues a query; its completion runs exactly once, on the loop.
    public func send(_ query: PostgresQuery) {
        guard queue.count < configuration.maxQueued else {
            metrics.errors.increment()
            query.completion(.failure(.unavailable("\(queue.count) queries already waiting")))
            return
        }
        var query = query
        query.enqueuedAt = reactor.monotonicNow
        queue.append(query)
        if state == .ready {
            pump()
        }
        if !queue.isEmpty && !expiryTimer.isActive {
            expiryTimer.start(after: 0.25, every: 0.25)
        }
    }

    // MARK: - Queries

    func pump() {
        guard state == .ready, inFlight == nil, let next = queue.first else { return }
        if let name = next.statementName, !preparedStatements.contains(name) {
            prepare(name, for: next)
            return
        }
        queue.removeFirst()
        dispatch(next)
    }

    /// Prepares the statement the queue's first query needs; that query stays queued and goes
    /// out once the statement exists (after a reconnect it is prepared again).
    func prepare(_ name: String, for query: PostgresQuery) {
        guard let connection else { return }
        inFlight = PostgresQuery(query.sql) { [unowned self] outcome in
            switch outcome {
            case .success:
                preparedStatements.insert(name)
            case .failure(.server(let state, let message)):
                queue.popFirst()?.completion(.failure(.server(sqlState: state, message: message)))
            case .failure:
                break  // the connection is gone; the query waits for the next one
            }
        }
        result = PostgresResult()
        failure = nil
        guard PQsendPrepare(connection, name, query.sql, Int32(query.parameters.count), nil) == 1 else {
            lost(String(cString: PQerrorMessage(connection)))
            return
        }
        flush()
    }

    func dispatch(_ query: PostgresQuery) {
        guard let connection else { return }
        inFlight = query
        sentAt = reactor.monotonicNow
        result = PostgresResult()
        failure = nil
        query.onSent?()
        let sent: Int32
        if query.isScript {
            sent = PQsendQuery(connection, query.sql)
        } else if let name = query.statementName {
            let values = query.parameters.map { $0.map { strdup($0) } ?? nil }
            defer { values.forEach { free($0) } }
            sent = values.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                    PQsendQueryPrepared(connection, name, Int32(values.count), pointers.baseAddress, nil, nil, 0)
                }
            }
        } else {
            let values = query.parameters.map { $0.map { strdup($0) } ?? nil }
            defer { values.forEach { free($0) } }
            sent = values.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                    PQsendQueryParams(connection, query.sql, Int32(values.count), nil, pointers.baseAddress, nil, nil, 0)
                }
            }
        }
        guard sent == 1 else {
            lost(String(cString: PQerrorMessage(connection)))
            return
        }
        flush()
    }

    func flush() {
        guard let connection else { return }
        switch PQflush(connection) {
        case 0: watch(.read)
        case 1: watch([.read, .write])
        default: lost(String(cString: PQerrorMessage(connection)))
        }
    }

    func readResults() {
        guard let connection else { return }
        guard PQconsumeInput(connection) == 1 else {
            lost(String(cString: PQerrorMessage(connection)))
            return
        }
        while PQisBusy(connection) == 0 {
            if let pgResult = PQgetResult(connection) {
                collect(pgResult)
                PQclear(pgResult)
                continue
            }
            // NULL: the query in flight is complete (its completion may send the next one).
            finishQuery()
            break
        }
        if let connection = self.connection, PQstatus(connection) == CONNECTION_BAD {
            lost(String(cString: PQerrorMessage(connection)))
        }
    }

    func collect(_ pgResult: OpaquePointer) {
        switch PQresultStatus(pgResult) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
            let columnCount = PQnfields(pgResult)
            let rowCount = PQntuples(pgResult)
            result.columns = (0..<columnCount).map { String(cString: PQfname(pgResult, $0)) }
            result.rows = (0..<rowCount).map { row in
                (0..<columnCount).map { column in
                    PQgetisnull(pgResult, row, column) == 1 ? nil : String(cString: PQgetvalue(pgResult, row, column))
                }
            }
            result.affectedRows = Int(String(cString: PQcmdTuples(pgResult))) ?? 0
        default:
            if failure == nil {
                let state = PQresultErrorField(pgResult, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "?????"
                let message = PQresultErrorField(pgResult, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                    ?? String(cString: PQresultErrorMessage(pgResult))
                failure = .server(sqlState: state, message: message)
            }
        }
    }

    func finishQuery() {
        guard let query = inFlight else { return }
        inFlight = nil
        metrics.answered(after: reactor.monotonicNow - sentAt)
        if let failure {
            metrics.errors.increment()
            query.completion(.failure(failure))
        } else {
            query.completion(.success(result))
        }
        result = PostgresResult()
        pump()
    }

}
