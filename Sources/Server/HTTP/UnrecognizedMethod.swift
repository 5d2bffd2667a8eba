// UnrecognizedMethod: the request line of a request whose method http-parser does not know
// (its table is fixed: `QUERY`, `FOO`), so that the router can answer it as it answers a known
// method no route serves: 405 with `Allow` on a path it serves, 404 elsewhere (RFC 9110 §15.5.6,
// §9.1: a method is any token). The body's framing is not known without parsing the head, so
// the connection closes after the answer.
enum UnrecognizedMethod {
    /// The method and target of a request line `METHOD SP target SP HTTP/1.x CRLF` at the start
    /// of `bytes` (after the empty lines RFC 9112 §2.2 lets a server skip); nil when `bytes`
    /// do not hold such a whole line (the method a token of RFC 9110 §5.6.2, the target visible
    /// ASCII).
    static func requestLine(_ bytes: UnsafeRawBufferPointer) -> (method: String, target: String)? {
        var index = bytes.firstIndex { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") } ?? bytes.endIndex
        let methodStart = index
        while index < bytes.endIndex, HTTPRequestParser.isTokenCharacter(bytes[index]) { index += 1 }
        let methodEnd = index
        guard methodEnd > methodStart, index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        let targetStart = index
        while index < bytes.endIndex, (0x21...0x7E).contains(bytes[index]) { index += 1 }
        let targetEnd = index
        let version = Array("_HTTP/1.x\r\n".utf8)
        guard targetEnd > targetStart, bytes.endIndex - index >= version.count else { return nil }
        for (offset, expected) in version.enumerated() {
            let byte = bytes[index + offset]
            switch expected {
            case UInt8(ascii: "_"): guard byte == UInt8(ascii: " ") else { return nil }
            case UInt8(ascii: "x"): guard byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else { return nil }
            default: guard byte == expected else { return nil }
            }
        }
        return (String(decoding: bytes[methodStart..<methodEnd], as: UTF8.self),
                String(decoding: bytes[targetStart..<targetEnd], as: UTF8.self))
    }
}
