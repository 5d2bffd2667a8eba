// RedisError: why a Redis command did not get an answer, or got an error for one.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// Not connected (or the connection broke before the reply); the command may be retried.
    case disconnected(String)
    /// Too many commands already wait for a connection.
    case queueFull
    /// No reply within the command timeout, or no connection within the queue timeout.
    case timedOut
    /// Redis answered with an error reply.
    case server(String)
    /// The reply did not have the shape the caller expects.
    case unexpectedReply(String)

    public var description: String {
        switch self {
        case .disconnected(let reason): return "redis disconnected: \(reason)"
        case .queueFull: return "redis command queue full"
        case .timedOut: return "redis timed out"
        case .server(let message): return "redis error: \(message)"
        case .unexpectedReply(let what): return "unexpected redis reply: \(what)"
        }
    }
}
