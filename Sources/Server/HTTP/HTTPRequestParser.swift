// HTTPRequestParser: turns bytes into HTTPRequests with the C http-parser library, enforcing
// the head and body limits as it goes, and what the library (built lenient) lets through:
// header names must be tokens (RFC 9110 §5.1; it takes `Transfer-Encoding : chunked` for
// chunked framing), lines end with CRLF and are not folded (`HeadLineCheck`), and bytes outside
// ASCII in the target are percent-encoded so that the router judges them as text.
//
// It owns its `http_parser` struct. The parser is paused after every complete message, so
// `parse` returns at each request boundary: the connection decides, request by request,
// whether to go on (pipelining with back-pressure). No sockets and no clock here: the caller
// passes the time, which makes it testable on plain byte strings.
import CEventLoop

final class HTTPRequestParser {
    enum Failure: Equatable {
        case malformed(String)
        case headTooLarge
        case bodyTooLarge
        case unsupportedVersion
        /// A whole request line whose method http-parser does not know (`UnrecognizedMethod`).
        case unrecognizedMethod(method: String, target: String)
    }

    enum Event: Equatable {
        case request
        case needMore
        case failed(Failure)
    }

    private let parser: UnsafeMutablePointer<http_parser>
    private let limits: HTTPLimits
    private var lines = HeadLineCheck()

    // The message being assembled.
    private var url: [UInt8] = []
    private var headers = HTTPHeaders()
    private var fieldName: [UInt8] = []
    private var fieldValue: [UInt8] = []
    private var readingValue = false
    private var headBytes = 0
    private var body: [UInt8] = []
    private var failure: Failure?
    private var now = 0.0

    /// The last complete request; `take()` hands it over.
    private var completed: HTTPRequest?

    /// When the current message's first byte arrived, or nil between messages.
    private(set) var messageStartedAt: Double?
    /// When the current message's head was complete, or nil while reading the head.
    private(set) var headCompletedAt: Double?
    /// The current message asked for `Expect: 100-continue` and its body has not arrived yet.
    private(set) var expectsContinue = false

    init(limits: HTTPLimits) {
        self.limits = limits
        parser = .allocate(capacity: 1)
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
    }

    /// Whether a message has begun and is not complete.
    var inMessage: Bool { messageStartedAt != nil }

    /// Parses as much of `bytes` as forms at most one complete request.
    /// Returns how many bytes were consumed and what happened.
    func parse(_ bytes: UnsafeRawBufferPointer, now: Double) -> (consumed: Int, event: Event) {
        self.now = now
        if let reason = lines.scan(bytes) {
            return (0, .failed(.malformed(reason)))
        }
        let startedBefore = inMessage
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        let consumed = http_parser_execute(parser, &HTTPRequestParser.settings, base, bytes.count)
        if completed != nil {
            http_parser_pause(parser, 0)
            return (consumed, .request)
        }
        if let failure {
            return (consumed, .failed(failure))
        }
        let code = http_errno(rawValue: parser.pointee.http_errno)
        if code == HPE_HEADER_OVERFLOW {
            return (consumed, .failed(.headTooLarge))
        }
        // Only a message that began in these bytes has its request line at their start.
        if code == HPE_INVALID_METHOD, !startedBefore, let line = UnrecognizedMethod.requestLine(bytes) {
            return (consumed, .failed(.unrecognizedMethod(method: line.method, target: line.target)))
        }
        if code != HPE_OK {
            let description = String(cString: http_errno_description(code))
            return (consumed, .failed(.malformed(description)))
        }
        return (consumed, .needMore)
    }

    /// Hands over the request completed by the last `parse` call.
    func take() -> HTTPRequest? {
        defer { completed = nil }
        return completed
    }

    // MARK: - Callbacks (called by http_parser_execute on this object)

    private func beginMessage() {
        url.removeAll(keepingCapacity: true)
        headers = HTTPHeaders()
        fieldName.removeAll(keepingCapacity: true)
        fieldValue.removeAll(keepingCapacity: true)
        readingValue = false
        headBytes = 0
        body = []
        expectsContinue = false
        messageStartedAt = now
        headCompletedAt = nil
    }

    private func countHead(_ length: Int) -> Int32 {
        headBytes += length
        if headBytes > limits.maxHeadBytes {
            failure = .headTooLarge
            return 1
        }
        return 0
    }

    private func appendURL(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        url.append(contentsOf: bytes)
        return countHead(bytes.count)
    }

    private func appendFieldName(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if readingValue {
            finishField()
        }
        if let bad = bytes.firstIndex(where: { !Self.isTokenCharacter($0) }) {
            let name = String(decoding: fieldName + bytes[...bad], as: UTF8.self)  // up to the first byte at fault
            failure = .malformed("header name \"\(name)\" is not a token (RFC 9110 §5.1): letters, digits and !#$%&'*+-.^_`|~ only")
            return 1
        }
        fieldName.append(contentsOf: bytes)
        return countHead(bytes.count + 4)  // ": " and CRLF count toward the head too
    }

    /// tchar of RFC 9110 §5.6.2. http-parser, built lenient, also lets spaces into names.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        tokenCharacters[Int(byte)]
    }

    private static let tokenCharacters: [Bool] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }

    private func appendFieldValue(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        readingValue = true
        fieldValue.append(contentsOf: bytes)
        return countHead(bytes.count)
    }

    private func finishField() {
        headers.add(name: String(decoding: fieldName, as: UTF8.self), value: String(decoding: fieldValue, as: UTF8.self))
        fieldName.removeAll(keepingCapacity: true)
        fieldValue.removeAll(keepingCapacity: true)
        readingValue = false
    }

    private func finishHead() -> Int32 {
        if readingValue || !fieldName.isEmpty {
            finishField()
        }
        headCompletedAt = now
        if parser.pointee.http_major != 1 {
            failure = .unsupportedVersion
            return -1
        }
        let length = parser.pointee.content_length
        if length != UInt64.max && length > UInt64(limits.maxBodyBytes) {
            failure = .bodyTooLarge
            return -1
        }
        if length != 0, let expect = headers["Expect"], expect.lowercased() == "100-continue" {
            expectsContinue = true
        }
        return 0
    }

    private func appendBody(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        expectsContinue = false
        if body.count + bytes.count > limits.maxBodyBytes {
            failure = .bodyTooLarge
            return 1
        }
        body.append(contentsOf: bytes)
        return 0
    }

    private func finishMessage() -> Int32 {
        let method = HTTPRequestParser.methodNames[Int(parser.pointee.method)]
        var request = HTTPRequest(
            method: method,
            target: Self.asciiTarget(url),
            headers: headers,
            body: body,
            versionMajor: Int(parser.pointee.http_major),
            versionMinor: Int(parser.pointee.http_minor),
            keepAlive: http_should_keep_alive(parser) != 0
        )
        if parser.pointee.upgrade != 0 {
            request.keepAlive = false  // no protocol upgrades: answer, then close
        }
        completed = request
        lines.reset()
        body = []
        expectsContinue = false
        messageStartedAt = nil
        headCompletedAt = nil
        http_parser_pause(parser, 1)
        return 0
    }

    /// The target as sent, with each byte outside ASCII (http-parser lets them through)
    /// percent-encoded (RFC 3986 §2.1): `/jobs?name=caf\xE9` → `/jobs?name=caf%E9`.
    private static func asciiTarget(_ bytes: [UInt8]) -> String {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return String(decoding: bytes, as: UTF8.self) }
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count * 3)
        for byte in bytes {
            if byte < 0x80 {
                encoded.append(byte)
            } else {
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    private static let methodNames: [String] = (0...255).map { code in
        String(cString: http_method_str(http_method(rawValue: UInt32(code))))
    }

    private static func owner(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPRequestParser {
        Unmanaged<HTTPRequestParser>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    private static func bytes(_ at: UnsafePointer<CChar>?, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: at, count: length)
    }

    private static var settings: http_parser_settings = {
        var settings = http_parser_settings()
        settings.on_message_begin = { parser in
            owner(parser).beginMessage()
            return 0
        }
        settings.on_url = { parser, at, length in owner(parser).appendURL(bytes(at, length)) }
        settings.on_header_field = { parser, at, length in owner(parser).appendFieldName(bytes(at, length)) }
        settings.on_header_value = { parser, at, length in owner(parser).appendFieldValue(bytes(at, length)) }
        settings.on_headers_complete = { parser in owner(parser).finishHead() }
        settings.on_body = { parser, at, length in owner(parser).appendBody(bytes(at, length)) }
        settings.on_message_complete = { parser in owner(parser).finishMessage() }
        return settings
    }()
}
