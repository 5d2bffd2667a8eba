// ConnectionDeadline: which timeout governs a connection right now, and when it expires.
//
// A pure function of the connection's phase and its time marks, so the timeout rules are
// tested with made-up clocks and no sockets. The connection arms one libev timer for the
// deadline and, when it fires, asks again (a deadline that moved later just re-arms).
struct ConnectionDeadline: Equatable {
    enum Phase: Equatable {
        /// Between requests, nothing owed: the keep-alive idle timeout.
        case idle(since: Double)
        /// A request's head is arriving: must complete within the header timeout (slowloris).
        case readingHead(since: Double)
        /// The body is arriving: must complete within the body timeout.
        case readingBody(since: Double)
        /// Responses are waiting for the client to read: the write timeout since last progress.
        case writeBlocked(since: Double)
        /// A handler is working on a request: no client-side timeout applies.
        case awaitingHandler
    }

    enum Expiry: Equatable {
        /// Close silently: nothing is owed to the client.
        case close
        /// Answer 408 Request Timeout, then close.
        case requestTimeout
    }

    let at: Double
    let expiry: Expiry

    /// The deadline for a phase, or nil when no timeout applies.
    static func of(_ phase: Phase, limits: HTTPLimits) -> ConnectionDeadline? {
        switch phase {
        case .idle(let since):
            return ConnectionDeadline(at: since + limits.idleTimeout, expiry: .close)
        case .readingHead(let since):
            return ConnectionDeadline(at: since + limits.headerTimeout, expiry: .requestTimeout)
        case .readingBody(let since):
            return ConnectionDeadline(at: since + limits.bodyTimeout, expiry: .requestTimeout)
        case .writeBlocked(let since):
            return ConnectionDeadline(at: since + limits.writeTimeout, expiry: .close)
        case .awaitingHandler:
            return nil
        }
    }
}
