// Authenticator: the bearer-token check in front of the job API.
//
// The job API lets its caller run shell commands on every node, so when a token is set every
// request but the probes (/jobs, /runs, /workers, /nodes, /metrics) must carry `Authorization: Bearer
// <token>`. The comparison takes the same time whatever the first differing byte, so the
// token cannot be guessed byte by byte. A refusal carries the bearer challenge (RFC 6750 §3):
// `Bearer realm="dsched"`, with `error="invalid_token"` when a token was sent but is not ours.
public struct Authenticator: Sendable {
    private let token: [UInt8]?

    public init(token: String?) {
        self.token = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    /// nil when the request may proceed; the 401 to send otherwise.
    public func check(_ request: HTTPRequest) -> APIError? {
        guard let token else { return nil }
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else {
            return APIError(.unauthorized, "unauthorized", "missing bearer token: send Authorization: Bearer <token>",
                            challenge: #"Bearer realm="dsched""#)
        }
        guard Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), token) else {
            return APIError(.unauthorized, "unauthorized", "invalid bearer token",
                            challenge: #"Bearer realm="dsched", error="invalid_token""#)
        }
        return nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
