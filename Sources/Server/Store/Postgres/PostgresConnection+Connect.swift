// PostgresConnection+Connect: libpq's nonblocking connect. After PQconnectStartParams, poll
// with PQconnectPoll and wait for what it asks; the socket may change between polls, so
// PQsocket is re-read each time. A new connection runs the prelude (migrations) first.
import EventLoop
import CEventLoop
import Collections
import Foundation
import Logging

extension PostgresConnection {
    // MARK: - Connecting

    func connect() {
        guard state == .disconnected else { return }
        let pairs: [(String, String)] = [
            ("host", configuration.host), ("port", String(configuration.port)), ("user", configuration.user),
            ("password", configuration.password), ("dbname", configuration.database),
            ("application_name", "dsched"), ("connect_timeout", String(Int(configuration.connectTimeout.rounded(.up)))),
            ("options", "-c statement_timeout=\(configuration.statementTimeoutMilliseconds)"),
            // A silently dead peer (a network black hole) is noticed in seconds, not hours.
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ]
        let keys = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let started = keys.withUnsafeBufferPointer { keyBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                keyBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { k in
                    valueBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in
                        PQconnectStartParams(k.baseAddress, v.baseAddress, 0)
                    }
                }
            }
        }
        guard let started, PQstatus(started) != CONNECTION_BAD else {
            let message = started.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let started { PQfinish(started) }
            scheduleRetry(message)
            return
        }
        connection = started
        state = .connecting
        connectDeadline.start(after: configuration.connectTimeout)
        watch(.write)
    }

    func poll() {
        guard let connection else { return }
        // libpq may close its socket and open another between polls (several hosts or
        // addresses); the new one often reuses the fd number, which epoll must be told of
        // anew, so each poll gets a fresh watcher.
        watcher = nil
        switch PQconnectPoll(connection) {
        case PGRES_POLLING_READING:
            watch(.read)
        case PGRES_POLLING_WRITING:
            watch(.write)
        case PGRES_POLLING_OK:
            PQsetnonblocking(connection, 1)
            connectDeadline.stop()
            if let prelude {
                state = .preparing
                dispatch(PostgresQuery(script: prelude) { [unowned self] outcome in
                    switch outcome {
                    case .success:
                        becomeReady()
                    case .failure(.server(let state, let message)):
                        logger.error("postgres: start-up script failed", metadata: ["sqlstate": "\(state)", "error": "\(message)"])
                        lost("start-up script failed: \(message)")
                    case .failure:
                        break  // lost() already dropped the connection and scheduled a retry
                    }
                })
            } else {
                becomeReady()
            }
        default:
            lost(String(cString: PQerrorMessage(connection)))
        }
    }

    func becomeReady() {
        if wasReady { metrics.reconnects.increment() }
        wasReady = true
        state = .ready
        backoff = 0.1
        lastError = ""
        logger.info("postgres: connected", metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)"])
        pump()
    }

    /// Points the io watcher at the connection's current socket and events.
    func watch(_ events: IOEvents) {
        guard let connection else { return }
        let fd = PQsocket(connection)
        if let watcher, watcher.fd == fd {
            watcher.set(events: events)
            if !watcher.isActive { watcher.start() }
            return
        }
        watcher = IOWatcher(reactor: reactor, fd: fd, events: events) { [unowned self] ready in
            withExtendedLifetime(self) { handle(ready) }
        }
        watcher?.start()
    }

    func handle(_ events: IOEvents) {
        switch state {
        case .connecting:
            poll()
        case .preparing, .ready:
            if events.contains(.write) { flush() }
            if events.contains(.read) && connection != nil { readResults() }
        case .disconnected:
            break
        }
    }
}
