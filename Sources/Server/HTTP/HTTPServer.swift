// HTTPServer: the listening socket, the table of connections, and graceful shutdown.
//
// Accepting: up to `acceptBatch` connections per readiness event (fairness with the clients
// already connected). Beyond `maxConnections` a new client gets a canned 503 and is closed. When
// the process runs out of descriptors (EMFILE), a reserved descriptor is freed to accept and
// close the pending client, so the listener does not spin on a connection it cannot take;
// without a reserve, accepting pauses for 100 ms.
import EventLoop
import CEventLoop
import Glibc
import Logging

public final class HTTPServer {
    public typealias Handler = (HTTPRequest, Responder) -> Void

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var backlog: Int32 = 4096
        public var limits: HTTPLimits

        public init(host: String, port: Int, limits: HTTPLimits = HTTPLimits()) {
            self.host = host
            self.port = port
            self.limits = limits
        }
    }

    let reactor: Reactor
    let limits: HTTPLimits
    let handler: Handler
    let logger: Logger
    let date = HTTPDate()
    /// Told of every answer to a dispatched request (metrics); nil: none is.
    public var observer: HTTPRequestObserver?
    /// One read buffer shared by every connection: the loop is single-threaded and each read is
    /// parsed before the next one, so idle connections hold no read memory.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    private let configuration: Configuration
    private var listenFD: Int32 = -1
    private var listenWatcher: IOWatcher?
    private var acceptPause: TimerWatcher?
    private var reserveFD: Int32 = -1
    private var connections: [HTTPConnection?] = []
    public private(set) var connectionCount = 0
    public private(set) var port = 0
    public private(set) var isShuttingDown = false
    private var shutdownTimer: TimerWatcher?
    private var shutdownCompletion: (() -> Void)?

    private static let acceptBatch = 64

    public init(reactor: Reactor, configuration: Configuration, logger: Logger, handler: @escaping Handler) {
        self.reactor = reactor
        self.configuration = configuration
        self.limits = configuration.limits
        self.logger = logger
        self.handler = handler
    }

    deinit {
        readBuffer.deallocate()
        if listenFD >= 0 { Glibc.close(listenFD) }
        if reserveFD >= 0 { Glibc.close(reserveFD) }
    }

    /// Binds, listens and starts accepting.
    public func start() throws {
        listenFD = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        port = try Socket.localPort(listenFD)
        reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        listenWatcher = IOWatcher(reactor: reactor, fd: listenFD, events: .read) { [unowned self] _ in
            self.acceptConnections()
        }
        acceptPause = TimerWatcher(reactor: reactor) { [unowned self] in
            self.listenWatcher?.start()
        }
        listenWatcher?.start()
    }

    private func acceptConnections() {
        for _ in 0..<Self.acceptBatch {
            let result: IOResult<Int32>
            do {
                result = try systemCall("accept4") {
                    dsched_accept4(listenFD, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            } catch let error as SystemError {
                acceptFailed(error)
                return
            } catch {
                return
            }
            guard case .done(let fd) = result else { return }
            if connectionCount >= limits.maxConnections || isShuttingDown {
                refuse(fd)
                continue
            }
            Socket.setNoDelay(fd)
            let connection = HTTPConnection(fd: fd, server: self)
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            connection.start()
        }
    }

    private func acceptFailed(_ error: SystemError) {
        switch error.errno {
        case EMFILE, ENFILE:
            if reserveFD >= 0 {
                Glibc.close(reserveFD)
                let fd = dsched_accept4(listenFD, Int32(SOCK_CLOEXEC.rawValue))
                if fd >= 0 { Glibc.close(fd) }
                reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
                logger.warning("out of file descriptors: refused a connection", metadata: ["error": "\(error)"])
            } else {
                listenWatcher?.stop()
                acceptPause?.start(after: 0.1)
                logger.warning("out of file descriptors: accepting paused 100 ms", metadata: ["error": "\(error)"])
            }
        case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
            return  // the client went away before we took it; Linux reports its network errors here
        default:
            logger.error("accept failed", metadata: ["error": "\(error)"])
            listenWatcher?.stop()
            acceptPause?.start(after: 0.1)
        }
    }

    private lazy var overloadResponse: [UInt8] = HTTPResponse.error(
        .serviceUnavailable, code: "too_many_connections",
        message: "the server is at its connection limit; retry shortly",
        headers: HTTPHeaders([("Retry-After", "1")])
    ).serialized(date: date, connectionHeader: "close")

    /// Answers 503 without reading the request (best effort: one nonblocking write), then closes.
    private func refuse(_ fd: Int32) {
        date.update(now: reactor.now)
        overloadResponse.withUnsafeBytes { bytes in
            _ = Glibc.write(fd, bytes.baseAddress, bytes.count)
        }
        Glibc.close(fd)
    }

    func connectionClosed(_ connection: HTTPConnection) {
        guard Int(connection.fd) < connections.count, connections[Int(connection.fd)] === connection else { return }
        connections[Int(connection.fd)] = nil
        connectionCount -= 1
        if isShuttingDown && connectionCount == 0 {
            finishShutdown()
        }
    }

    /// Stops accepting, closes idle connections, lets busy ones finish for at most `grace`
    /// seconds, then calls `completion` once every connection is closed.
    public func shutdown(grace: Double, completion: @escaping () -> Void) {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        shutdownCompletion = completion
        listenWatcher = nil
        acceptPause = nil
        if listenFD >= 0 {
            Glibc.close(listenFD)
            listenFD = -1
        }
        for connection in connections.compactMap({ $0 }) {
            connection.beginShutdown()
        }
        if connectionCount == 0 {
            finishShutdown()
            return
        }
        shutdownTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            logger.warning("shutdown grace period over: closing busy connections", metadata: ["connections": "\(connectionCount)"])
            for connection in connections.compactMap({ $0 }) {
                connection.close()
            }
        }
        shutdownTimer?.start(after: grace)
    }

    private func finishShutdown() {
        shutdownTimer = nil
        let completion = shutdownCompletion
        shutdownCompletion = nil
        completion?()
    }
}
