// WorkerChannel: one end of the socketpair between the master and a worker, on that process's
// loop — the same type at both ends (the worker's WorkerProcess, the master's WorkerHandle).
//
// Reads are nonblocking, into a temporary allocation, and feed a FrameDecoder; each complete
// frame becomes a WorkerMessage. Writes are buffered (OutboundBuffer): `send` writes what the
// socket takes at once and keeps the rest, with write interest only while something is left
// (the ae habit). The channel owns the fd and closes it once, on deinit. It ends once — EOF, a
// socket error, or a frame that cannot be trusted — and tells its owner, after which it neither
// reads nor writes.
import EventLoop
import Glibc

public enum WorkerChannelError: Error, CustomStringConvertible {
    /// The other end closed (or its process died).
    case closedByPeer
    case socketError(String)
    /// A frame or message that cannot be trusted: the stream is out of step.
    case protocolError(String)

    public var description: String {
        switch self {
        case .closedByPeer: return "the other end closed the channel"
        case .socketError(let error): return "channel error: \(error)"
        case .protocolError(let reason): return "protocol error: \(reason)"
        }
    }
}

public final class WorkerChannel {
    private let fd: Int32
    private var watcher: IOWatcher!
    private var decoder = FrameDecoder()
    /// Capacity beyond 1 MiB (a large result's frame) is given back once written.
    private var outgoing = OutboundBuffer(keptCapacity: 1 << 20)
    private var ended = false
    private let onMessage: (WorkerMessage) -> Void
    private let onEnd: (WorkerChannelError) -> Void

    private static let readSize = 65536
    private static let readsPerWakeUp = 16

    /// Takes ownership of `fd`, which must already be nonblocking. `onMessage` and `onEnd` are
    /// called from the loop.
    public init(fd: Int32, reactor: Reactor, onMessage: @escaping (WorkerMessage) -> Void,
                onEnd: @escaping (WorkerChannelError) -> Void) {
        self.fd = fd
        self.onMessage = onMessage
        self.onEnd = onEnd
        watcher = IOWatcher(reactor: reactor, fd: fd, events: .read) { [unowned self] events in
            withExtendedLifetime(self) {
                if events.contains(.write) { flush() }
                if events.contains(.read) { receive() }
            }
        }
        watcher.start()
    }

    deinit {
        watcher = nil
        close(fd)
    }

    /// Whether bytes wait for the socket to take them.
    public var hasPendingOutput: Bool { !outgoing.isEmpty }

    /// Queues `message` and writes what the socket takes; does nothing once the channel ended.
    public func send(_ message: WorkerMessage) {
        guard !ended else { return }
        let bytes: [UInt8]
        do {
            bytes = try Self.encode(message)
        } catch {
            end(.protocolError("could not encode \(message): \(error)"))
            return
        }
        outgoing.append(bytes)
        flush()
    }

    /// A message's frame. A result whose output makes the frame too large for the protocol
    /// keeps a shorter tail of it (halved until it fits), marked truncated: the run must be
    /// reported whatever its output limit.
    static func encode(_ message: WorkerMessage) throws(FrameError) -> [UInt8] {
        var message = message
        while true {
            do throws(FrameError) {
                return try message.frame().encoded()
            } catch {
                guard case .tooLarge = error, message.shortenOutput() else { throw error }
            }
        }
    }

    private func receive() {
        withUnsafeTemporaryAllocation(byteCount: Self.readSize, alignment: 1) { buffer in
            for _ in 0..<Self.readsPerWakeUp where !ended {
                let result: IOResult<Int>
                do {
                    result = try systemCall("read") { read(fd, buffer.baseAddress, buffer.count) }
                } catch {
                    end(Self.reason(error))
                    return
                }
                guard case .done(let count) = result else { return }
                guard count > 0 else {
                    end(.closedByPeer)
                    return
                }
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                deliverFrames()
                if count < buffer.count { return }
            }
        }
    }

    private func deliverFrames() {
        do {
            while !ended, let frame = try decoder.next() {
                onMessage(try WorkerMessage(frame: frame))
            }
        } catch {
            end(.protocolError("\(error)"))
        }
    }

    private func flush() {
        guard !ended else { return }
        do {
            _ = try outgoing.write(to: fd)
        } catch {
            end(Self.reason(error))
            return
        }
        watcher.set(events: hasPendingOutput ? [.read, .write] : .read)
    }

    /// A reset or a broken pipe is the other end going away, like EOF.
    private static func reason(_ error: Error) -> WorkerChannelError {
        if let error = error as? SystemError, error.errno == EPIPE || error.errno == ECONNRESET {
            return .closedByPeer
        }
        return .socketError("\(error)")
    }

    private func end(_ reason: WorkerChannelError) {
        guard !ended else { return }
        ended = true
        watcher.stop()
        onEnd(reason)
    }
}

private extension WorkerMessage {
    /// Halves the output of a `.finished` result, keeping its end; false when there is no
    /// output left to shorten (or the message is not a result).
    mutating func shortenOutput() -> Bool {
        guard case .finished(var result) = self, !result.output.isEmpty else { return false }
        let scalars = result.output.unicodeScalars
        result.output = String(Substring(scalars.suffix(scalars.count / 2)))
        result.outputTruncated = true
        self = .finished(result)
        return true
    }
}
