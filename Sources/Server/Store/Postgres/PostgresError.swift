// PostgresError: what can go wrong with a query, sorted by what the caller should do.
public enum PostgresError: Error, Equatable, CustomStringConvertible {
    /// The query was never sent: no connection, the queue is full, or it waited too long.
    /// Safe to retry; becomes 503 + Retry-After at the HTTP edge.
    case unavailable(String)
    /// The connection broke after the query was sent: it may or may not have run.
    case connectionLost(String)
    /// The server ran the query and refused it.
    case server(sqlState: String, message: String)

    /// Whether the server refused the query for a passing reason, so that trying it again
    /// later may succeed (PostgreSQL Appendix A, "Error Codes"): class 08 (connection
    /// exception), class 53 (insufficient resources), 57P01–57P03 (the server is shutting down,
    /// crashed, or cannot take connections yet: a restart), 40001 (serialization failure) and
    /// 40P01 (deadlock detected).
    public var isTransient: Bool {
        guard case .server(let state, _) = self else { return false }
        return state.hasPrefix("08") || state.hasPrefix("53") || ["57P01", "57P02", "57P03", "40001", "40P01"].contains(state)
    }

    public var description: String {
        switch self {
        case .unavailable(let reason): return "PostgreSQL unavailable: \(reason)"
        case .connectionLost(let reason): return "PostgreSQL connection lost during a query: \(reason)"
        case .server(let state, let message): return "PostgreSQL error \(state): \(message)"
        }
    }
}
