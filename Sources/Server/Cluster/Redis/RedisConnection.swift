// RedisConnection: one async hiredis connection driven by the reactor through hiredis's own
// libev adapter, never blocking the loop.
//
// States: disconnected → connecting (redisAsyncConnect; the adapter watches the socket) →
// connected. On every new connection, `scripts` are loaded first (SCRIPT LOAD), then
// `onConnect` runs (the pub/sub connection subscribes there), then commands queued meanwhile
// are sent in order. A lost connection
// fails the commands in flight (.disconnected: they may have run) and reconnects with
// exponential back-off (100 ms doubling to 2 s). While disconnected, commands queue, up to
// `maxQueued` of them and at most `queueTimeout` seconds each. A command without a reply
// for `commandTimeout` (a stalled server, a dead peer that TCP has not noticed) drops the
// connection, which fails everything in flight and starts a reconnect.
//
// Ownership: this type owns the redisAsyncContext. hiredis frees a context itself after a
// disconnect or a failed connect (and calls back first); this type frees it only on
// close()/timeouts, from a timer, never from inside a hiredis callback. `ac->data` points
// back here, unretained; command callbacks carry a retained box that the callback releases
// (hiredis calls each command callback exactly once: with the reply, or with NULL when the
// context goes away).
import CEventLoop
import Collections
import EventLoop
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

    private final class Command {
        let arguments: [String]
        let completion: Completion
        let queuedAt: Double

        init(arguments: [String], completion: @escaping Completion, queuedAt: Double) {
            self.arguments = arguments
            self.completion = completion
            self.queuedAt = queuedAt
        }
    }

    private enum State {
        case disconnected
        case connecting(since: Double)
        case connected
        case closed
    }

    private let reactor: Reactor
    private let configuration: Configuration
    private let name: String
    private let logger: Logger
    private var context: UnsafeMutablePointer<redisAsyncContext>?
    private var state = State.disconnected
    private var queue = Deque<Command>()
    private var inFlight = 0
    /// When a reply last arrived, or the oldest command in flight was sent.
    private var lastProgress = 0.0
    private var backoff: Double
    private var reconnectTimer: TimerWatcher!
    private var watchdog: TimerWatcher!

    /// Lua scripts loaded on every new connection, before anything else.
    public var scripts: [RedisScript] = []
    /// Runs on every new connection, before queued commands are sent.
    public var onConnect: (() -> Void)?
    /// Runs when an established connection is lost.
    public var onDisconnect: ((String) -> Void)?
    /// Pub/sub messages (replies to SUBSCRIBE and the messages that follow).
    public var onPush: ((RedisReply) -> Void)?

    public init(reactor: Reactor, configuration: Configuration, name: String, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.name = name
        self.logger = logger
        backoff = configuration.reconnectMin
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
            context.pointee.data = nil
            self.context = nil
            inFlight = 0
            redisAsyncFree(context)
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
                completion(.failure(.queueFull))
                return
            }
            queue.append(command)
            return
        }
    }

    /// Subscribes this connection to a channel; messages arrive through `onPush`.
    public func subscribe(_ channel: String) {
        guard let context else { return }
        withArgv(["SUBSCRIBE", channel]) { argc, argv, lengths in
            _ = redisAsyncCommandArgv(context, { context, reply, _ in
                guard let owner = RedisConnection.owner(of: context) else { return }
                guard let reply else { return }
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
        made.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        _ = redisEnableKeepAlive(&made.pointee.c)
        guard dsched_redis_libev_attach(reactor.loop, made) == REDIS_OK else {
            redisAsyncFree(made)
            scheduleReconnect(reason: "could not attach to the loop")
            return
        }
        context = made
        state = .connecting(since: reactor.monotonicNow)
        redisAsyncSetConnectCallback(made) { context, status in
            RedisConnection.owner(of: context)?.connected(ok: status == REDIS_OK, context: context)
        }
        redisAsyncSetDisconnectCallback(made) { context, status in
            RedisConnection.owner(of: context)?.disconnected(context: context)
        }
    }

    private static func owner(of context: UnsafePointer<redisAsyncContext>?) -> RedisConnection? {
        guard let data = context?.pointee.data else { return nil }
        return Unmanaged<RedisConnection>.fromOpaque(data).takeUnretainedValue()
    }

    private func connected(ok: Bool, context: UnsafePointer<redisAsyncContext>?) {
        guard ok else {
            // hiredis frees a context whose connect failed, without a disconnect callback.
            let reason = context.flatMap { $0.pointee.errstr.map { String(cString: $0) } } ?? "connect failed"
            self.context = nil
            state = .disconnected
            scheduleReconnect(reason: reason)
            return
        }
        state = .connected
        backoff = configuration.reconnectMin
        logger.info("redis connected", metadata: ["connection": "\(name)", "host": "\(configuration.host)", "port": "\(configuration.port)"])
        for script in scripts {
            let command = Command(arguments: ["SCRIPT", "LOAD", script.source], completion: { [logger, name] outcome in
                if case .failure(let error) = outcome {
                    logger.warning("redis script not loaded", metadata: ["connection": "\(name)", "sha": "\(script.sha)", "error": "\(error)"])
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
        inFlight = 0
        guard !isClosed else { return }
        state = .disconnected
        logger.warning("redis disconnected", metadata: ["connection": "\(name)", "reason": "\(reason)"])
        onDisconnect?(reason)
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

    /// Frees the context (from a timer or close, never inside a hiredis callback): pending
    /// callbacks run with NULL, then the disconnect callback, which schedules the reconnect.
    private func free(reason: String) {
        guard let context else { return }
        if case .connecting = state {
            // No callback comes for a context that never connected.
            self.context = nil
            context.pointee.data = nil
            redisAsyncFree(context)
            if !isClosed {
                state = .disconnected
                scheduleReconnect(reason: reason)
            }
            return
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
        let box = Unmanaged.passRetained(command).toOpaque()
        let status = withArgv(command.arguments) { argc, argv, lengths in
            redisAsyncCommandArgv(context, { context, reply, data in
                guard let data else { return }
                let command = Unmanaged<Command>.fromOpaque(data).takeRetainedValue()
                let owner = RedisConnection.owner(of: context)
                owner?.replied()
                guard let reply else {
                    command.completion(.failure(.disconnected("connection lost before the reply")))
                    return
                }
                let value = RedisReply(reply.assumingMemoryBound(to: redisReply.self))
                if case .error(let message) = value {
                    command.completion(.failure(.server(message)))
                } else {
                    command.completion(.success(value))
                }
            }, box, argc, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<Command>.fromOpaque(box).release()
            return false
        }
        if inFlight == 0 { lastProgress = reactor.monotonicNow }
        inFlight += 1
        return true
    }

    private func replied() {
        inFlight = max(inFlight - 1, 0)
        lastProgress = reactor.monotonicNow
    }

    /// The arguments as hiredis wants them: pointers and lengths, into one buffer (no
    /// recursion or per-argument allocation, whatever the count).
    private func withArgv<R>(_ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        var bytes: [CChar] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(bytes.count)
            lengths.append(argument.utf8.count)
            bytes.append(contentsOf: argument.utf8.map { CChar(bitPattern: $0) })
            bytes.append(0)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            var pointers = offsets.map { UnsafePointer<CChar>?(buffer.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengths in
                    body(Int32(arguments.count), argv.baseAddress!, lengths.baseAddress!)
                }
            }
        }
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
            oldest.completion(.failure(.timedOut))
        }
        switch state {
        case .connecting(let since) where now - since > configuration.connectTimeout:
            free(reason: "connect timed out")
        case .connected where inFlight > 0 && now - lastProgress > configuration.commandTimeout:
            logger.warning("redis stalled; reconnecting", metadata: ["connection": "\(name)", "in_flight": "\(inFlight)"])
            free(reason: "no reply within \(configuration.commandTimeout) s")
        default:
            break
        }
    }
}
