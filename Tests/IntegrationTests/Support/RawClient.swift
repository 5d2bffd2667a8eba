// RawClient: a plain blocking TCP client for sending exact bytes and reading exact responses,
// for the cases a polite client like curl cannot produce (pipelining, slowloris, bad requests).
import Foundation

struct RawResponse {
    let status: Int
    let headers: [(String, String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            close(fd)
            throw TestFailure("connect to port \(port) failed: errno \(code)")
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int(receiveTimeout.truncatingRemainder(dividingBy: 1) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        try sendAll(bytes, to: fd)
    }

    /// Reads more bytes; false on EOF. Throws on timeout or error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 || (count < 0 && errno == ECONNRESET) { return false }
        guard count > 0 else { throw TestFailure("recv failed or timed out: errno \(errno)") }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    /// Reads one response (Content-Length framed); `headRequest` means no body follows.
    /// Reads one line (without its "\n"); throws on EOF or timeout.
    func readLine() throws -> String {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(...end)
                return line
            }
            guard try fill() else { throw TestFailure("connection closed before a line") }
        }
    }

    func readResponse(headRequest: Bool = false) throws -> RawResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: separator)?.upperBound
            if try headEnd == nil && !fill() { throw TestFailure("connection closed before a response head") }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestFailure("bad status line in \(head)") }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        let length = headRequest || status == 204 || status < 200 ? 0
            : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        while buffer.count < headEnd! + length {
            if !(try fill()) { throw TestFailure("connection closed inside a body") }
        }
        let body = Array(buffer[headEnd!..<(headEnd! + length)])
        buffer.removeFirst(headEnd! + length)
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (EOF) within the receive timeout.
    func isClosedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }
}

extension RawClient {
    /// Sends one request with a JSON body (when given) and reads its response.
    func request(_ method: String, _ path: String, json body: String? = nil, headers: [String: String] = [:]) throws -> RawResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        var allHeaders = headers
        if let body {
            if allHeaders["Content-Type"] == nil { allHeaders["Content-Type"] = "application/json" }
            allHeaders["Content-Length"] = String(body.utf8.count)
        }
        for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) {
            text += "\(name): \(value)\r\n"
        }
        text += "\r\n" + (body ?? "")
        try send(text)
        return try readResponse(headRequest: method == "HEAD")
    }
}

extension RawResponse {
    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The body as a JSON array of objects.
    var objects: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
    }

    /// The `error` member of an error body.
    var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
}
