// PostgresError: what can go wrong with a query, sorted by what the caller should do.
public enum PostgresError: Error, Equatable, CustomStringConvertible {
    /// The query was never sent: no connection, the queue is full, or it waited too long.
    /// Safe to retry; becomes 503 + Retry-After at the HTTP edge.
    case unavailable(String)
    /// The connection broke after the query was sent: it may or may not have run.
    case connectionLost(String)
    /// The server ran the query and refused it.
    case server(sqlState: String, message: String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "PostgreSQL unavailable: \(reason)"
        case .connectionLost(let reason): return "PostgreSQL connection lost during a query: \(reason)"
        case .server(let state, let message): return "PostgreSQL error \(state): \(message)"
        }
    }
}
