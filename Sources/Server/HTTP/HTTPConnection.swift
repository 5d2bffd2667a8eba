// HTTPConnection: one client connection, from accept to close.
//
// Reads into the server's shared buffer, parses request by request (HTTPRequestParser pauses
// at each one), hands each request to the handler with a Responder, and writes the answers in
// request order whatever order they arrive in. Writes are buffered (OutboundBuffer) and flushed
// once per read (pipelined answers go out in one write); partial writes wait for writability.
//
// Back-pressure: when the answers waiting for the client exceed `maxBufferedResponseBytes`,
// or `maxPipelinedRequests` requests are unanswered, the connection stops reading (bytes
// already read wait, unparsed) until the client catches up; a client that never reads is
// closed by the write timeout. Its memory is thus bounded whatever it sends.
//
// One TimerWatcher enforces whichever timeout applies (ConnectionDeadline).
import EventLoop
import Collections
import Glibc

final class HTTPConnection: ResponseSink {
    let fd: Int32
    private unowned let server: HTTPServer
    private let limits: HTTPLimits
    private let parser: HTTPRequestParser
    private var watcher: IOWatcher!
    private var timer: TimerWatcher!
    /// When the armed timer fires; a later deadline leaves it armed (it re-evaluates then).
    private var timerAt: Double?

    /// A request waiting for its answer; `bytes` is the serialized answer once given.
    private struct Slot {
        var bytes: [UInt8]?
        let headOnly: Bool
        let keepAlive: Bool
        let http10: Bool
    }

    private var slots = Deque<Slot>()
    private var firstSequence = 0

    private var outbound = OutboundBuffer()
    private var writeBlockedSince: Double?

    /// Bytes read while reading was paused by back-pressure, parsed when it resumes.
    private var unparsed: [UInt8] = []
    /// No further request will be parsed: one asked to close, was malformed, or the peer shut down.
    private var noMoreRequests = false
    private var continueOwed = false
    private var lastActivity: Double
    private var inReadHandler = false
    private(set) var closed = false

    init(fd: Int32, server: HTTPServer) {
        self.fd = fd
        self.server = server
        self.limits = server.limits
        parser = HTTPRequestParser(limits: server.limits)
        lastActivity = server.reactor.monotonicNow
        watcher = IOWatcher(reactor: server.reactor, fd: fd, events: .read) { [unowned self] events in
            withExtendedLifetime(self) { self.handle(events) }
        }
        timer = TimerWatcher(reactor: server.reactor) { [unowned self] in
            withExtendedLifetime(self) { self.timerFired() }
        }
    }

    func start() {
        watcher.start()
        settle()
    }

    /// Whether nothing is in progress: no request being read, answered or written.
    var isIdle: Bool {
        slots.isEmpty && !parser.inMessage && outbound.isEmpty && unparsed.isEmpty
    }

    /// Graceful shutdown: an idle connection closes now; a busy one finishes what it has begun.
    func beginShutdown() {
        if isIdle {
            close()
        } else {
            settle()
        }
    }

    // MARK: - Reading

    private func handle(_ events: IOEvents) {
        if events.contains(.write) {
            flush()
        }
        if events.contains(.read) && !closed {
            readAvailable()
        }
        settle()
    }

    private func readAvailable() {
        let buffer = server.readBuffer
        let result: IOResult<Int>
        do {
            result = try systemCall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
        } catch {
            close()
            return
        }
        switch result {
        case .wouldBlock:
            return
        case .done(0):
            noMoreRequests = true
            unparsed = []
        case .done(let count):
            lastActivity = server.reactor.monotonicNow
            inReadHandler = true
            consume(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            inReadHandler = false
            flush()
        }
    }

    private var backPressured: Bool {
        outbound.count > limits.maxBufferedResponseBytes || slots.count >= limits.maxPipelinedRequests
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count && !noMoreRequests && !closed {
            if backPressured {
                unparsed.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                return
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let (consumed, event) = parser.parse(rest, now: server.reactor.monotonicNow)
            offset += consumed
            switch event {
            case .request:
                if let request = parser.take() {
                    dispatch(request)
                }
            case .needMore:
                if parser.expectsContinue {
                    continueOwed = true
                }
                if consumed == 0 { return }
            case .failed(let failure):
                fail(failure)
                return
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        let keepAlive = request.keepAlive && !server.isShuttingDown
        if !keepAlive {
            noMoreRequests = true
        }
        continueOwed = false
        slots.append(Slot(bytes: nil, headOnly: request.method == "HEAD", keepAlive: keepAlive,
                          http10: request.versionMajor == 1 && request.versionMinor == 0))
        server.handler(request, Responder(sink: self, sequence: firstSequence + slots.count - 1))
    }

    private func fail(_ failure: HTTPRequestParser.Failure) {
        noMoreRequests = true
        slots.append(Slot(bytes: nil, headOnly: false, keepAlive: false, http10: false))
        let response: HTTPResponse
        switch failure {
        case .headTooLarge:
            response = .error(.headersTooLarge, code: "headers_too_large",
                              message: "request line and headers exceed \(limits.maxHeadBytes) bytes")
        case .bodyTooLarge:
            response = .error(.payloadTooLarge, code: "body_too_large",
                              message: "request body exceeds \(limits.maxBodyBytes) bytes")
        case .unsupportedVersion:
            response = .error(.httpVersionNotSupported, code: "http_version_not_supported", message: "only HTTP/1.0 and HTTP/1.1 are served")
        case .malformed(let reason):
            response = .error(.badRequest, code: "malformed_request", message: "malformed HTTP request: \(reason)")
        }
        respond(response, sequence: firstSequence + slots.count - 1)
    }

    // MARK: - Answering

    /// Records the answer to request `sequence` and moves every answer now in order to the
    /// outbound buffer.
    func respond(_ response: HTTPResponse, sequence: Int) {
        let index = sequence - firstSequence
        guard !closed, index >= 0, index < slots.count else { return }
        assert(slots[index].bytes == nil, "a request was answered twice")
        if index == 0 {
            let slot = slots.removeFirst()
            outbound.appendInPlace { serialize(response, for: slot, isLast: slots.isEmpty, into: &$0) }
            firstSequence += 1
            while let ready = slots.first?.bytes {
                outbound.append(ready)
                slots.removeFirst()
                firstSequence += 1
            }
        } else {
            var bytes: [UInt8] = []
            serialize(response, for: slots[index], isLast: index == slots.count - 1, into: &bytes)
            slots[index].bytes = bytes
        }
        if !inReadHandler {
            flush()
            settle()
        }
    }

    /// `isLast`: no later request is waiting for an answer; during shutdown that answer is the
    /// one that says `Connection: close` (earlier ones cannot: their successors still come).
    private func serialize(_ response: HTTPResponse, for slot: Slot, isLast: Bool, into buffer: inout [UInt8]) {
        let keepAlive = slot.keepAlive && !(server.isShuttingDown && isLast)
        if !keepAlive {
            noMoreRequests = true
        }
        server.date.update(now: server.reactor.now)
        let connection: StaticString? = keepAlive ? (slot.http10 ? "keep-alive" : nil) : "close"
        response.serialize(into: &buffer, date: server.date, connectionHeader: connection, headOnly: slot.headOnly)
    }

    // MARK: - Writing

    private func flush() {
        if continueOwed && slots.isEmpty {
            outbound.append("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            continueOwed = false
        }
        let outcome: OutboundBuffer.WriteOutcome
        do {
            outcome = try outbound.write(to: fd)
        } catch {
            close()
            return
        }
        switch outcome {
        case .drained:
            // Idle time counts from the last answer too, not only from the last request.
            lastActivity = server.reactor.monotonicNow
            writeBlockedSince = nil
        case .blocked(let written):
            // The write timeout counts from the last progress.
            if written > 0 || writeBlockedSince == nil {
                writeBlockedSince = server.reactor.monotonicNow
            }
        }
    }

    /// Brings interest, back-pressure and the timer in line with the state after an event.
    private func settle() {
        if closed { return }
        if !unparsed.isEmpty && !backPressured && !noMoreRequests {
            let bytes = unparsed
            unparsed = []
            inReadHandler = true
            bytes.withUnsafeBytes { consume($0) }
            inReadHandler = false
            flush()
            if closed { return }
        }
        let drained = outbound.isEmpty
        if drained && slots.isEmpty && (noMoreRequests || (server.isShuttingDown && !parser.inMessage)) {
            close()
            return
        }
        var events: IOEvents = []
        if !noMoreRequests && !backPressured {
            events.insert(.read)
        }
        if !drained {
            events.insert(.write)
        }
        watcher.set(events: events)
        if events.isEmpty {
            watcher.stop()
        } else if !watcher.isActive {
            watcher.start()
        }
        armTimer()
    }

    // MARK: - Timeouts

    private var phase: ConnectionDeadline.Phase {
        if let since = writeBlockedSince { return .writeBlocked(since: since) }
        if noMoreRequests { return slots.isEmpty ? .idle(since: lastActivity) : .awaitingHandler }
        if let started = parser.messageStartedAt {
            if let headDone = parser.headCompletedAt { return .readingBody(since: headDone) }
            return .readingHead(since: started)
        }
        if !slots.isEmpty { return .awaitingHandler }
        return .idle(since: lastActivity)
    }

    private func armTimer() {
        guard let deadline = ConnectionDeadline.of(phase, limits: limits) else {
            if timerAt != nil {
                timer.stop()
                timerAt = nil
            }
            return
        }
        if let timerAt, timerAt <= deadline.at { return }
        timer.start(after: deadline.at - server.reactor.monotonicNow)
        timerAt = deadline.at
    }

    private func timerFired() {
        timerAt = nil
        guard let deadline = ConnectionDeadline.of(phase, limits: limits) else { return }
        if server.reactor.monotonicNow + 0.001 < deadline.at {
            armTimer()
            return
        }
        switch deadline.expiry {
        case .close:
            close()
        case .requestTimeout:
            server.logger.debug("request timed out", metadata: ["fd": "\(fd)"])
            parserAbandoned()
        }
    }

    /// Answers 408 to the request being read and closes; with answers still owed for earlier
    /// requests, it stops reading, writes those, then closes (the slow request is dropped).
    private func parserAbandoned() {
        noMoreRequests = true
        if slots.isEmpty {
            outbound.appendInPlace {
                serialize(.error(.requestTimeout, code: "request_timeout", message: "the request was not received in time"),
                          for: Slot(bytes: nil, headOnly: false, keepAlive: false, http10: false), isLast: true, into: &$0)
            }
            flush()
            close()
        } else {
            settle()  // closes once the answers still owed are written
        }
    }

    func close() {
        if closed { return }
        closed = true
        watcher.stop()
        timer.stop()
        Glibc.close(fd)
        server.connectionClosed(self)
    }
}
