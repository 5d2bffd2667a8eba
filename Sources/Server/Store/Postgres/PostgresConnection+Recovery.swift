// PostgresConnection+Recovery: a lost connection fails the query in flight (.connectionLost:
// it may have run) and reconnects with exponential back-off (100 ms doubling to 5 s); queued
// queries wait at most `queueTimeout` seconds each, then fail .unavailable.
import EventLoop
import CEventLoop
import Collections
import Foundation
import Logging

extension PostgresConnection {
    // MARK: - Failure and recovery

    /// The connection is unusable: fail what was in flight, drop it, and reconnect later.
    func lost(_ reason: String) {
        let message = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if state == .ready {
            logger.warning("postgres: connection lost", metadata: ["error": "\(message)"])
        }
        watcher = nil
        connectDeadline.stop()
        preparedStatements = []
        if let connection {
            PQfinish(connection)
            self.connection = nil
        }
        state = .disconnected
        if let query = inFlight {
            inFlight = nil
            metrics.errors.increment()
            query.completion(.failure(.connectionLost(message)))
        }
        scheduleRetry(message)
    }

    func scheduleRetry(_ reason: String) {
        lastError = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        logger.debug("postgres: reconnecting", metadata: ["in": "\(backoff)", "error": "\(lastError)"])
        retryTimer.start(after: backoff)
        backoff = min(backoff * 2, 5)
        if !queue.isEmpty && !expiryTimer.isActive {
            expiryTimer.start(after: 0.25, every: 0.25)
        }
    }

    /// Fails queued queries that have waited longer than the queue timeout.
    func expireQueued() {
        let cutoff = reactor.monotonicNow - configuration.queueTimeout
        while let first = queue.first, first.enqueuedAt <= cutoff {
            queue.removeFirst()
            metrics.errors.increment()
            first.completion(.failure(.unavailable(lastError.isEmpty ? "waited too long for a connection" : lastError)))
        }
        if queue.isEmpty {
            expiryTimer.stop()
        }
    }
}
