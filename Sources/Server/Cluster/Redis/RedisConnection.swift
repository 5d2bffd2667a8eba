// RedisConnection: one async hiredis connection driven by the reactor through hiredis's own
// libev adapter, never blocking the loop.
//
// States: disconnected → connecting (redisAsyncConnect; the adapter watches the socket) →
// connected. On every new connection, `scripts` are loaded first (SCRIPT LOAD, whose reply is
// the script's SHA-1, kept for EVALSHA), then `onConnect` runs (the pub/sub connection
// subscribes there), then commands queued meanwhile are sent in order. A lost connection
// fails the commands in flight (.disconnected: they may have run) and reconnects with
// exponential back-off (100 ms doubling to 2 s). While disconnected, commands queue, up to
// `maxQueued` of them and at most `queueTimeout` seconds each. A command without a reply
// for `commandTimeout` (a stalled server, a dead peer that TCP has not noticed) drops the
// connection, which fails everything in flight and starts a reconnect.
//
// Ownership: this type owns the redisAsyncContext. hiredis frees a context itself after a
// disconnect or a failed connect (and calls back first); this type frees it only on
// close()/timeouts (from a timer, or inside a callback where hiredis defers the free until
// the callback returns). `ac->data` is this connection's `Callbacks`, the ledger of the
// commands whose callbacks hiredis owes (exactly once each, asserted in debug builds).
import CEventLoop
import Collections
import EventLoop
import Glibc
import Logging

public final class RedisConnection {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var maxQueued = 10_000
        public var queueTimeout = 5.0
        public var commandTimeout = 2.0
        public var connectTimeout = 2.0
        public var reconnectMin = 0.1
        public var reconnectMax = 2.0

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public typealias Completion = (Result<RedisReply, RedisError>) -> Void

    private enum State {
        case disconnected
        case connecting(since: Double)
        case connected
        case closed
    }

    private let reactor: Reactor
    private let configuration: Configuration
    let name: String
    private let logger: Logger
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    private var state = State.disconnected
    private var queue = Deque<Command>()
    private var callbacks: Callbacks!
    /// When a reply last arrived, or the oldest command in flight was sent.
    private var lastProgress = 0.0
    private var backoff: Double
    private var reconnectTimer: TimerWatcher!
    /// Whether a connection was made before: the next one is a reconnection.
    private var wasConnected = false
    /// Round trips, failed commands and reconnections (NodeMetrics).
    var metrics = ClientMetrics.none
    private var watchdog: TimerWatcher!

    /// Lua scripts loaded on every new connection, before anything else.
    public var scripts: [RedisScript] = []
    /// The SHA-1 of each script loaded, by source, as SCRIPT LOAD answered it.
    private var digests: [String: String] = [:]
    /// Runs on every new connection, before queued commands are sent.
    public var onConnect: (() -> Void)?

    /// Commands queued or waiting for their reply.
    var load: Int { queue.count + callbacks.count }
    /// Pub/sub messages (replies to SUBSCRIBE and the messages that follow).
    public var onPush: ((RedisReply) -> Void)?

    public init(reactor: Reactor, configuration: Configuration, name: String, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.name = name
        self.logger = logger
        backoff = configuration.reconnectMin
        callbacks = Callbacks(owner: self)
        reconnectTimer = TimerWatcher(reactor: reactor) { [unowned self] in connect() }
        watchdog = TimerWatcher(reactor: reactor) { [unowned self] in checkDeadlines() }
    }

    deinit {
        close()
    }

    public var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    public func start() {
        guard case .disconnected = state else { return }
        watchdog.start(after: 0.25, every: 0.25)
        connect()
    }

    /// Drops the connection for good; queued and in-flight commands fail.
    public func close() {
        guard !isClosed else { return }
        state = .closed
        reconnectTimer?.stop()
        watchdog?.stop()
        if let context {
            // Detached first: the callbacks hiredis runs while freeing must not reach back here.
            callbacks.owner = nil
            self.context = nil
            free(context)
        }
        failQueued(.disconnected("closed"))
    }

    /// Sends a command (queued while disconnected). The completion runs once, on the loop.
    public func send(_ arguments: [String], completion: @escaping Completion) {
        if isClosed {
            completion(.failure(.disconnected("closed")))
            return
        }
        let command = Command(arguments: arguments, completion: completion, queuedAt: reactor.monotonicNow)
        guard isConnected, queue.isEmpty, transmit(command) else {
            guard queue.count < configuration.maxQueued else {
                metrics.errors.increment()
                completion(.failure(.queueFull))
                return
            }
            queue.append(command)
            return
        }
    }

    /// The script's SHA-1 as Redis gave it when this connection loaded it; nil before that
    /// (or for a script not in `scripts`).
    func sha(of script: RedisScript) -> String? {
        digests[script.source]
    }

    /// Subscribes this connection to a channel; messages arrive through `onPush`.
    public func subscribe(_ channel: String) {
        guard let context else { return }
        Self.withArgv(["SUBSCRIBE", channel]) { argc, argv, lengths in
            _ = redisAsyncCommandArgv(context, { context, reply, _ in
                guard let owner = Callbacks.of(context)?.owner, let reply else { return }
                owner.onPush?(RedisReply(reply.assumingMemoryBound(to: redisReply.self)))
            }, nil, argc, argv, lengths)
        }
    }

    // MARK: - Connecting

    private var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    private func connect() {
        guard case .disconnected = state else { return }
        guard let made = redisAsyncConnect(configuration.host, Int32(configuration.port)) else {
            scheduleReconnect(reason: "out of memory")
            return
        }
        if made.pointee.err != 0 {
            let reason = made.pointee.errstr.map { String(cString: $0) } ?? "connect failed"
            redisAsyncFree(made)
            scheduleReconnect(reason: reason)
            return
        }
        // hiredis 0.14 opens its socket without close-on-exec: keep it out of workers and scripts.
        _ = fcntl(made.pointee.c.fd, F_SETFD, FD_CLOEXEC)
        _ = redisEnableKeepAlive(&made.pointee.c)
        guard dsched_redis_libev_attach(reactor.loop, made) == REDIS_OK else {
            redisAsyncFree(made)
            scheduleReconnect(reason: "could not attach to the loop")
            return
        }
        callbacks.attach(to: made)
        context = made
        state = .connecting(since: reactor.monotonicNow)
        redisAsyncSetConnectCallback(made) { context, status in
            // hiredis frees a context whose connect failed, without a disconnect callback.
            let callbacks = status == REDIS_OK ? Callbacks.of(context) : Callbacks.end(of: context)
            callbacks?.owner?.connected(ok: status == REDIS_OK, context: context)
        }
        redisAsyncSetDisconnectCallback(made) { context, _ in
            Callbacks.end(of: context)?.owner?.disconnected(context: context)
        }
    }

    private func connected(ok: Bool, context: UnsafePointer<redisAsyncContext>?) {
        guard ok else {
            let reason = context.flatMap { $0.pointee.errstr.map { String(cString: $0) } } ?? "connect failed"
            self.context = nil
            state = .disconnected
            scheduleReconnect(reason: reason)
            return
        }
        state = .connected
        if wasConnected { metrics.reconnects.increment() }
        wasConnected = true
        backoff = configuration.reconnectMin
        logger.info("redis connected", metadata: ["connection": "\(name)", "host": "\(configuration.host)", "port": "\(configuration.port)"])
        for (index, script) in scripts.enumerated() {
            let command = Command(arguments: ["SCRIPT", "LOAD", script.source], completion: { [weak self, logger, name] outcome in
                switch outcome {
                case .success(let reply):
                    self?.digests[script.source] = reply.text
                case .failure(let error):
                    logger.warning("redis script not loaded", metadata: ["connection": "\(name)", "script": "\(index)", "error": "\(error)"])
                }
            }, queuedAt: reactor.monotonicNow)
            if !transmit(command) { break }
        }
        onConnect?()
        flushQueue()
    }

    private func disconnected(context: UnsafePointer<redisAsyncContext>?) {
        let reason = context.flatMap { $0.pointee.errstr.map { String(cString: $0) } } ?? "connection closed"
        self.context = nil
        guard !isClosed else { return }
        state = .disconnected
        logger.warning("redis disconnected", metadata: ["connection": "\(name)", "reason": "\(reason)"])
        scheduleReconnect(reason: reason)
    }

    private func scheduleReconnect(reason: String) {
        guard !isClosed else { return }
        logger.debug("redis reconnect scheduled", metadata: ["connection": "\(name)", "after_s": "\(backoff)", "reason": "\(reason)"])
        reconnectTimer.start(after: backoff)
        backoff = min(backoff * 2, configuration.reconnectMax)
    }

    /// Drops the connection and reconnects (never from inside this connection's own
    /// callbacks): for a peer that stopped answering in a way the watchdog cannot see (a
    /// subscription).
    public func reset(reason: String) {
        guard isConnected else { return }
        logger.warning("redis connection reset", metadata: ["connection": "\(name)", "reason": "\(reason)"])
        free(reason: reason)
    }

    /// Frees the context (from a timer): pending callbacks run with NULL, then the disconnect
    /// callback, which schedules the reconnect.
    private func free(reason: String) {
        guard let context else { return }
        if case .connecting = state {
            // No callback comes for a context that never connected.
            self.context = nil
            free(context)
            if !isClosed {
                state = .disconnected
                scheduleReconnect(reason: reason)
            }
            return
        }
        free(context)
    }

    /// hiredis gives a context that never connected no disconnect callback, so its hold on
    /// the ledger ends here.
    private func free(_ context: UnsafeMutablePointer<redisAsyncContext>) {
        if context.pointee.c.flags & REDIS_CONNECTED == 0 {
            Callbacks.end(of: context)
        }
        redisAsyncFree(context)
    }

    // MARK: - Commands

    private func flushQueue() {
        while isConnected, let command = queue.first {
            guard transmit(command) else { return }
            queue.removeFirst()
        }
    }

    /// Hands a command to hiredis; false when the context refuses it (it is going away).
    private func transmit(_ command: Command) -> Bool {
        guard let context else { return false }
        let token = callbacks.add(command)
        let status = Self.withArgv(command.arguments) { argc, argv, lengths in
            redisAsyncCommandArgv(context, { context, reply, token in
                guard let callbacks = Callbacks.of(context), let command = callbacks.take(token) else { return }
                guard let reply else {
                    callbacks.owner?.replied(command, failed: true)
                    command.completion(.failure(.disconnected("connection lost before the reply")))
                    return
                }
                let value = RedisReply(reply.assumingMemoryBound(to: redisReply.self))
                if case .error(let message) = value {
                    callbacks.owner?.replied(command, failed: true)
                    command.completion(.failure(.server(message)))
                } else {
                    callbacks.owner?.replied(command, failed: false)
                    command.completion(.success(value))
                }
            }, token, argc, argv, lengths)
        }
        guard status == REDIS_OK else {
            callbacks.discard(token)
            return false
        }
        if callbacks.count == 1 { lastProgress = reactor.monotonicNow }
        return true
    }

    /// A command's answer came (`failed`: an error or none): progress, and its round trip
    /// from when it was queued.
    private func replied(_ command: Command, failed: Bool) {
        lastProgress = reactor.monotonicNow
        metrics.answered(after: lastProgress - command.queuedAt)
        if failed { metrics.errors.increment() }
    }

    private func failQueued(_ error: RedisError) {
        let failed = queue
        queue.removeAll()
        failed.forEach { $0.completion(.failure(error)) }
    }

    private func checkDeadlines() {
        let now = reactor.monotonicNow
        while let oldest = queue.first, now - oldest.queuedAt > configuration.queueTimeout {
            queue.removeFirst()
            metrics.errors.increment()
            oldest.completion(.failure(.timedOut))
        }
        switch state {
        case .connecting(let since) where now - since > configuration.connectTimeout:
            free(reason: "connect timed out")
        case .connected where callbacks.count > 0 && now - lastProgress > configuration.commandTimeout:
            logger.warning("redis stalled; reconnecting", metadata: ["connection": "\(name)", "in_flight": "\(callbacks.count)"])
            free(reason: "no reply within \(configuration.commandTimeout) s")
        default:
            break
        }
    }
}
