// HTTPResponse: what a handler answers, and its serialization onto the wire.
//
// The server adds the framing headers itself (Date, Content-Length, Connection), so a handler
// cannot get them wrong; a HEAD response keeps Content-Length and drops the body.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var contentType: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, contentType: String? = nil, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// Appends the status line, headers and (unless `headOnly`) the body to `buffer`.
    /// `connectionHeader` is "close", "keep-alive" (HTTP/1.0 clients that asked for it) or nil.
    func serialize(into buffer: inout [UInt8], date: HTTPDate, connectionHeader: StaticString?, headOnly: Bool) {
        buffer.append(contentsOf: HTTPResponse.statusLine(status))
        buffer.append(contentsOf: date.headerLine)
        if let contentType {
            buffer.append(contentsOf: "Content-Type: ".utf8)
            buffer.append(contentsOf: contentType.utf8)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        if status.code != 204 && status.code >= 200 {
            buffer.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(body.count, to: &buffer)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        if let connectionHeader {
            buffer.append(contentsOf: "Connection: ".utf8)
            connectionHeader.withUTF8Buffer { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: "\r\n".utf8)
        }
        for field in headers.fields {
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            buffer.append(contentsOf: field.value.utf8)
            buffer.append(contentsOf: "\r\n".utf8)
        }
        buffer.append(contentsOf: "\r\n".utf8)
        if !headOnly && status.code != 204 {
            buffer.append(contentsOf: body)
        }
    }

    /// The whole response as bytes, for canned replies sent outside a connection's queue.
    func serialized(date: HTTPDate, connectionHeader: StaticString?) -> [UInt8] {
        var bytes: [UInt8] = []
        serialize(into: &bytes, date: date, connectionHeader: connectionHeader, headOnly: false)
        return bytes
    }

    private static var statusLines: [Int: [UInt8]] = [:]

    private static func statusLine(_ status: HTTPStatus) -> [UInt8] {
        if let line = statusLines[status.code] { return line }
        let line = Array("HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
        statusLines[status.code] = line
        return line
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            buffer.append(contentsOf: raw[(20 - count)...])
        }
    }
}
