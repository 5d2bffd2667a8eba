// RedisScript: a Lua script run atomically by Redis. A connection loads its scripts when it
// connects (SCRIPT LOAD answers with the script's SHA-1), then sends each by EVALSHA (the
// 40-byte digest, not the source). A script sent before its load was answered goes whole, by
// EVAL; and should Redis no longer know one (a SCRIPT FLUSH, a restart), the NOSCRIPT error is
// answered by one EVAL, which also caches it again.
public struct RedisScript: Sendable {
    public let source: String

    public init(_ source: String) {
        self.source = source
    }
}

extension RedisConnection {
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String], completion: @escaping Completion) {
        let tail = [String(keys.count)] + keys + arguments
        guard let sha = sha(of: script) else {
            send(["EVAL", script.source] + tail, completion: completion)
            return
        }
        send(["EVALSHA", sha] + tail) { [weak self] outcome in
            guard case .failure(.server(let message)) = outcome, message.hasPrefix("NOSCRIPT"), let self else {
                completion(outcome)
                return
            }
            send(["EVAL", script.source] + tail, completion: completion)
        }
    }
}
