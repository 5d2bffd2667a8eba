// RedisScript: a Lua script run atomically by Redis. Sent by EVALSHA (the 40-byte digest,
// not the source, on every call); connections load their scripts when they connect, and
// should Redis still not know one (a SCRIPT FLUSH), the NOSCRIPT error is answered by one
// EVAL, which also caches it again.
public struct RedisScript: Sendable {
    public let source: String
    public let sha: String

    public init(_ source: String) {
        self.source = source
        sha = SHA1.hexDigest(Array(source.utf8))
    }
}

extension RedisConnection {
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String], completion: @escaping Completion) {
        let tail = [String(keys.count)] + keys + arguments
        send(["EVALSHA", script.sha] + tail) { [weak self] outcome in
            guard case .failure(.server(let message)) = outcome, message.hasPrefix("NOSCRIPT"), let self else {
                completion(outcome)
                return
            }
            send(["EVAL", script.source] + tail, completion: completion)
        }
    }
}
