// HTTPConnection: one client connection, from accept to close.
//
// Reads into the server's shared buffer, parses request by request (HTTPRequestParser pauses
// at each one) and hands each request to the handler with a Responder. Pipelined requests are
// handled one after another, as nginx does: the next one goes to the handler once the previous
// one is answered, so answers are in request order by construction. Writes are buffered
// (OutboundBuffer) and flushed once per read (answers given at once go out in one write);
// partial writes wait for writability.
//
// Back-pressure (HTTPLimits.mayDispatch): while a request is with the handler, or the answers
// not yet taken by the client exceed `maxBufferedResponseBytes`, the connection dispatches no
// further request and stops reading (bytes already read wait, unparsed) until the client
// catches up; a client that never reads is closed by the write timeout. Its memory is thus at
// most the limit plus one answer, whatever it sends and however large the answers are.
//
// One TimerWatcher enforces whichever timeout applies (ConnectionDeadline).
import EventLoop
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

    /// What the answer to a request depends on.
    private struct Slot {
        let headOnly: Bool
        let keepAlive: Bool
        let http10: Bool
        var method = HTTPMethodLabel.other
        /// Monotonic seconds when the request went to the handler (HTTPRequestObserver).
        var dispatchedAt = 0.0
    }

    /// The request with the handler, if any, and its sequence number (a stale or second
    /// answer, whose sequence differs, is ignored).
    private var awaiting: Slot?
    private var sequence = 0

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
        awaiting == nil && !parser.inMessage && outbound.isEmpty && unparsed.isEmpty
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

    private var mayDispatch: Bool {
        limits.mayDispatch(awaitingAnswer: awaiting != nil, unsentBytes: outbound.count)
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count && !noMoreRequests && !closed {
            if !mayDispatch {
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
        sequence += 1
        awaiting = Slot(headOnly: request.method == "HEAD", keepAlive: keepAlive,
                        http10: request.versionMajor == 1 && request.versionMinor == 0,
                        method: HTTPMethodLabel(request.method), dispatchedAt: server.observer == nil ? 0 : server.reactor.monotonicNow)
        server.handler(request, Responder(sink: self, sequence: sequence))
    }

    private func fail(_ failure: HTTPRequestParser.Failure) {
        noMoreRequests = true
        let response: HTTPResponse
        switch failure {
        case .unrecognizedMethod(let method, let target):
            // The router answers (405 with Allow, or 404); the connection closes after it.
            dispatch(HTTPRequest(method: method, target: target, keepAlive: false))
            return
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
        outbound.appendInPlace { serialize(response, for: Slot(headOnly: false, keepAlive: false, http10: false), into: &$0) }
    }

    // MARK: - Answering

    /// Serializes the answer to request `sequence` into the outbound buffer; tells the
    /// server's observer (`route`: the Router's template index).
    func respond(_ response: HTTPResponse, sequence: Int, route: Int) {
        guard !closed, let slot = awaiting else { return }
        assert(sequence == self.sequence, "a request was answered twice")
        guard sequence == self.sequence else { return }
        awaiting = nil
        server.observer?.answered(method: slot.method, route: route, status: response.status.code,
                                  seconds: server.reactor.monotonicNow - slot.dispatchedAt)
        outbound.appendInPlace { serialize(response, for: slot, into: &$0) }
        if !inReadHandler {
            flush()
            settle()
        }
    }

    /// During shutdown every answer says `Connection: close`: no later request is dispatched.
    private func serialize(_ response: HTTPResponse, for slot: Slot, into buffer: inout [UInt8]) {
        let keepAlive = slot.keepAlive && !server.isShuttingDown
        if !keepAlive {
            noMoreRequests = true
        }
        server.date.update(now: server.reactor.now)
        let connection: StaticString? = keepAlive ? (slot.http10 ? "keep-alive" : nil) : "close"
        response.serialize(into: &buffer, date: server.date, connectionHeader: connection, headOnly: slot.headOnly)
    }

    // MARK: - Writing

    private func flush() {
        if continueOwed && awaiting == nil {
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
        if !unparsed.isEmpty && mayDispatch && !noMoreRequests {
            let bytes = unparsed
            unparsed = []
            inReadHandler = true
            bytes.withUnsafeBytes { consume($0) }
            inReadHandler = false
            flush()
            if closed { return }
        }
        let drained = outbound.isEmpty
        if drained && awaiting == nil && (noMoreRequests || (server.isShuttingDown && !parser.inMessage)) {
            close()
            return
        }
        var events: IOEvents = []
        if !noMoreRequests && mayDispatch {
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
        if noMoreRequests { return awaiting == nil ? .idle(since: lastActivity) : .awaitingHandler }
        if let started = parser.messageStartedAt {
            if let headDone = parser.headCompletedAt { return .readingBody(since: headDone) }
            return .readingHead(since: started)
        }
        if awaiting != nil { return .awaitingHandler }
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

    /// Answers 408 to the request being read and closes; with an earlier request still with
    /// the handler, it stops reading, writes that answer, then closes (the slow request is dropped).
    private func parserAbandoned() {
        noMoreRequests = true
        if awaiting == nil {
            outbound.appendInPlace {
                serialize(.error(.requestTimeout, code: "request_timeout", message: "the request was not received in time"),
                          for: Slot(headOnly: false, keepAlive: false, http10: false), into: &$0)
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
