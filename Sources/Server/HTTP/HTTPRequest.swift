// HTTPRequest: one parsed request, body included, as handed to a handler.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent: path plus optional query.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var versionMajor: Int
    public var versionMinor: Int
    /// Whether the connection stays open after this request (HTTP/1.1 default, 1.0 keep-alive).
    public var keepAlive: Bool
    /// Path parameters filled by the router (`/jobs/{id}` → ["id": "42"]).
    public var pathParameters: [String: String] = [:]

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                versionMajor: Int = 1, versionMinor: Int = 1, keepAlive: Bool = true) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.keepAlive = keepAlive
    }

    /// The target without its query string.
    public var path: Substring {
        if let question = target.firstIndex(of: "?") { return target[..<question] }
        return target[...]
    }

    /// Query parameters, percent-decoded; a repeated name keeps its last value. A parameter
    /// whose name or value is not text once decoded (`PercentDecoding.text`) is left out:
    /// `invalidQueryParameter` names it, and the router answers such a request 400 before any
    /// handler sees it.
    public var query: [String: String] {
        var result: [String: String] = [:]
        for (_, name, value) in queryPairs() {
            if let name, let value { result[name] = value }
        }
        return result
    }

    /// The first query parameter, as sent, whose name or value decodes to bytes that are not
    /// UTF-8 or that hold NUL; nil when there is none.
    var invalidQueryParameter: Substring? {
        queryPairs().first { $0.name == nil || $0.value == nil }?.sent
    }

    /// Each `name=value` of the query: the name as sent, then name and value decoded.
    private func queryPairs() -> [(sent: Substring, name: String?, value: String?)] {
        guard let question = target.firstIndex(of: "?") else { return [] }
        return target[target.index(after: question)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (parts[0], PercentDecoding.text(parts[0]), parts.count > 1 ? PercentDecoding.text(parts[1]) : "")
        }
    }
}

/// PercentDecoding turns the parameters of a request target into text (RFC 3986 §2.1).
enum PercentDecoding {
    /// Decodes %XX escapes and '+' (as space, the form-encoding habit of query strings).
    /// Returns nil when the bytes decoded are not UTF-8, or hold NUL, which no parameter of
    /// this API may carry (PostgreSQL text cannot hold it; C strings end at it).
    static func text(_ sent: Substring) -> String? {
        guard sent.contains("%") || sent.contains("+") else { return String(sent) }
        var bytes: [UInt8] = []
        var iterator = Array(sent.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let high = hexValue(iterator[iterator.startIndex]), let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
