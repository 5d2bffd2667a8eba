// Integration tests of the HTTP server: the real binary, real sockets, real curl.
import Foundation
import XCTest

final class HTTPServerTests: XCTestCase {
    func testHealthzAnswersOKWithFramingHeaders() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, #"{"status":"ok"}"#)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertEqual(response.header("Content-Length"), "15")
        XCTAssertNotNil(response.header("Date"))
    }

    func testCurlGetsHealthz() throws {
        let server = try ServerProcess()
        let output = try curl(["-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(server.port)/healthz"])
        XCTAssertEqual(output, "{\"status\":\"ok\"}\n200")
    }

    func testKeepAliveServesManyRequestsOnOneConnection() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        for _ in 0..<50 {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
        }
    }

    func testPipelinedRequestsInOneWriteAreAnsweredInOrder() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        let paths = ["/healthz", "/missing", "/healthz", "/nope", "/healthz"]
        try client.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
        let statuses = try paths.map { _ in try client.readResponse().status }
        XCTAssertEqual(statuses, [200, 404, 200, 404, 200])
    }

    func testHeadGetsHeadersAndLengthButNoBody() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try client.readResponse(headRequest: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "15")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(try client.readResponse().bodyText, #"{"status":"ok"}"#, "the next response starts right after the HEAD headers")
    }

    func testWrongMethodGets405WithAllow() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.header("Allow"), "GET, HEAD")
        let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
        XCTAssertEqual(error.error.code, "method_not_allowed")
    }

    func testChunkedBodyIsReadWholeAndTheConnectionStaysUsable() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 405)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testExpectContinueGets100BeforeTheBody() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 100)
        try client.send("hello")
        XCTAssertEqual(try client.readResponse().status, 405)
    }

    func testBodyOverTheLimitGets413BeforeItIsSent() throws {
        let server = try ServerProcess(arguments: ["--max-body-bytes", "1000"])
        let client = try RawClient(port: server.port)
        try client.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(response.bodyText.contains("body_too_large"))
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testChunkedBodyOverTheLimitGets413() throws {
        let server = try ServerProcess(arguments: ["--max-body-bytes", "10"])
        let client = try RawClient(port: server.port)
        try client.send("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 413)
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testHeadersOverTheLimitGet431() throws {
        let server = try ServerProcess(arguments: ["--max-header-bytes", "2048"])
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 3000))\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 431)
        XCTAssertTrue(response.bodyText.contains("headers_too_large"))
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testDefaultHeaderLimitIs16KiB() throws {
        let server = try ServerProcess()
        let fits = try RawClient(port: server.port)
        try fits.send("GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 15_000))\r\n\r\n")
        XCTAssertEqual(try fits.readResponse().status, 200)
        let tooBig = try RawClient(port: server.port)
        try tooBig.send("GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 17_000))\r\n\r\n")
        XCTAssertEqual(try tooBig.readResponse().status, 431)
    }

    func testMalformedRequestGets400AndClose() throws {
        let server = try ServerProcess()
        for garbage in ["NOT A REQUEST\r\n\r\n", "GET /healthz HTTP/1.1 trailing\r\n\r\n", "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
                        "POST /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n"] {
            let client = try RawClient(port: server.port)
            try client.send(garbage)
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 400, garbage)
            XCTAssertTrue(response.bodyText.contains("malformed_request"), garbage)
            XCTAssertTrue(client.isClosedByPeer(), garbage)
        }
    }

    func testOtherHTTPVersionsGet505() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 505)
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testHTTP10KeepAliveIsHonoured() throws {
        let server = try ServerProcess()
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try client.readResponse().header("Connection"), "keep-alive")
        try client.send("GET /healthz HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try client.readResponse().header("Connection"), "close")
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testSlowClientIsTimedOutWhileAFastOneIsServed() throws {
        let server = try ServerProcess(arguments: ["--header-timeout", "1"])
        let slow = try RawClient(port: server.port)
        try slow.send("GET /healthz HTTP/1.1\r\n")
        let started = Date()
        let fast = try RawClient(port: server.port)
        for _ in 0..<20 {
            try fast.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try fast.readResponse().status, 200)
        }
        try slow.send("X-Slow: 1\r\n")
        let response = try slow.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertTrue(slow.isClosedByPeer())
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9, "not before the header timeout")
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let server = try ServerProcess(arguments: ["--idle-timeout", "0.5"])
        let client = try RawClient(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertTrue(client.isClosedByPeer())
    }

    func testThousandSlowlorisConnectionsDoNotStopOtherClients() throws {
        let server = try ServerProcess(arguments: ["--header-timeout", "2"])
        var slow: [RawClient] = []
        for _ in 0..<1000 {
            let client = try RawClient(port: server.port)
            try client.send("GET /healthz HTTP/1.1\r\nX-Slow: ")
            slow.append(client)
        }
        let fast = try RawClient(port: server.port)
        for _ in 0..<100 {
            try fast.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try fast.readResponse().status, 200)
        }
        XCTAssertTrue(slow[0].isClosedByPeer(), "the header timeout closes slowloris connections")
    }

    func testHundredsOfConcurrentConnections() throws {
        let server = try ServerProcess()
        let clients = try (0..<500).map { _ in try RawClient(port: server.port) }
        for client in clients {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        for client in clients {
            XCTAssertEqual(try client.readResponse().status, 200)
        }
    }

    func testConnectionsBeyondTheMaximumGet503() throws {
        let server = try ServerProcess(arguments: ["--max-connections", "3"])
        let held = try (0..<3).map { _ in try RawClient(port: server.port) }
        for client in held {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
        }
        let refused = try RawClient(port: server.port)
        let response = try refused.readResponse()
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.header("Retry-After"), "1")
        XCTAssertTrue(refused.isClosedByPeer())
    }

    func testClientThatNeverReadsIsBoundedAndDisconnected() throws {
        let server = try ServerProcess(arguments: ["--write-timeout", "1"])
        let client = try RawClient(port: server.port)
        var small: Int32 = 4096
        setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let request = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let batch = Array([[UInt8]](repeating: request, count: 1000).joined())
        // Send far more requests than the server may buffer answers for, never reading.
        var sent = 0
        var flags = fcntl(client.fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(client.fd, F_SETFL, flags)
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && sent < 200_000_000 {
            let count = batch.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 { sent += count } else { usleep(10_000) }
        }
        let rss = try residentKilobytes(of: server.pid)
        XCTAssertLessThan(rss, 200_000, "server memory stays bounded while the client does not read")
        // Other clients are still served while the server has stopped reading this one.
        let other = try RawClient(port: server.port)
        try other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try other.readResponse().status, 200)
        // Within the write timeout the server gives up on the client: draining what it did
        // send ends in EOF or a reset, not in a wait for more.
        _ = fcntl(client.fd, F_SETFL, flags & ~O_NONBLOCK)
        XCTAssertTrue(client.isClosedByPeer())
        XCTAssertTrue(server.log.contains("node listening"))
    }

    func testGracefulShutdownFinishesInFlightRequestAndExitsZero() throws {
        let server = try ServerProcess()
        let busy = try RawClient(port: server.port)
        try busy.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        let idle = try RawClient(port: server.port)
        try idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        usleep(100_000)
        server.signal(SIGTERM)
        XCTAssertTrue(idle.isClosedByPeer(), "idle connections close at once")
        try busy.send("67890")
        let response = try busy.readResponse()
        XCTAssertEqual(response.status, 405, "the in-flight request is answered")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(server.waitForExit(), 0)
        XCTAssertThrowsError(try RawClient(port: server.port), "no longer accepting")
    }

    func testShutdownGraceBoundsAStuckClient() throws {
        let server = try ServerProcess(arguments: ["--shutdown-grace", "0.5"])
        let stuck = try RawClient(port: server.port)
        try stuck.send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n123")
        usleep(100_000)
        server.signal(SIGINT)
        XCTAssertEqual(server.waitForExit(timeout: 5), 0)
    }

    private struct ErrorEnvelope: Decodable {
        struct Detail: Decodable { let code: String; let message: String }
        let error: Detail
    }
}

func curl(_ arguments: [String]) throws -> String {
    try Subprocess.run("/usr/bin/curl", arguments).stdout
}

func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}

/// Resident memory of a process in KiB, from /proc.
func residentKilobytes(of pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let value = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else {
        throw TestFailure("no VmRSS for \(pid)")
    }
    return value
}

/// Established TCP connections a process holds (its socket fds, less the listener).
func openConnections(of pid: Int32) throws -> Int {
    let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
    let sockets = fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))?.hasPrefix("socket:") == true }
    return max(sockets.count - 1, 0)
}
