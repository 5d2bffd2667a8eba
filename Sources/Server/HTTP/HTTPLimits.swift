// HTTPLimits: every bound the HTTP server enforces, in one place, each configurable.
//
// Each limit has a defined response: oversized heads get 431, oversized bodies 413, slow heads
// or bodies 408 then close, idle keep-alive connections and stalled readers are closed, and
// connections beyond the maximum get 503 and are closed.
public struct HTTPLimits: Sendable {
    /// Request line plus headers, in bytes (431 beyond).
    public var maxHeadBytes = 16 * 1024
    /// Request body, in bytes, whether sent with Content-Length or chunked (413 beyond).
    public var maxBodyBytes = 1024 * 1024
    /// Seconds from a request's first byte to the end of its headers (408 and close beyond).
    public var headerTimeout = 10.0
    /// Seconds from the end of the headers to the end of the body (408 and close beyond).
    public var bodyTimeout = 30.0
    /// Seconds a keep-alive connection may stay silent between requests.
    public var idleTimeout = 60.0
    /// Seconds a connection may make no write progress while responses wait for the client.
    public var writeTimeout = 30.0
    /// Open client connections; new ones beyond get 503 and are closed.
    public var maxConnections = 16_384
    /// Bytes of answers not yet taken by one client beyond which the server dispatches none of
    /// its further requests and stops reading them.
    public var maxBufferedResponseBytes = 1024 * 1024

    public init() {}

    /// Whether a connection may hand its next pipelined request to the handler: only once the
    /// previous one is answered (an answer's size is unknown until it is given, so requests in
    /// the handler at once could each be as large as a page of 1000 jobs) and while its unsent
    /// answers (bytes) are within `maxBufferedResponseBytes`. Its memory is then at most the
    /// limit plus one answer.
    func mayDispatch(awaitingAnswer: Bool, unsentBytes: Int) -> Bool {
        !awaitingAnswer && unsentBytes <= maxBufferedResponseBytes
    }
}
