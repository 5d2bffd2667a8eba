// OutboundBuffer: bytes waiting for a nonblocking socket to take them — the one buffered writer
// of the HTTP connection and of both ends of the master↔worker channel.
//
// Bytes are appended at the end and written from a start offset: `write(to:)` writes what the
// socket takes and keeps the rest, so a slow peer never blocks the loop and never loses bytes.
// Its owner asks the reactor for write interest only while the buffer is not empty (the ae
// habit). Once drained the storage is emptied in place, keeping its capacity for the next bytes
// unless it grew beyond `keptCapacity` (one huge answer must not pin its memory for good). A
// write that leaves bytes drops the written ones once they are more than `keptCapacity` and at
// least half the storage, so a peer that reads slowly but never lets the buffer drain (while its
// owner appends as it reads) holds only the unwritten bytes, at an amortized copy per byte.
import Glibc

public struct OutboundBuffer {
    /// What one `write(to:)` achieved.
    public enum WriteOutcome: Equatable, Sendable {
        /// Everything is written (also when nothing was waiting).
        case drained
        /// The socket would block with bytes left; `written` bytes went out in this call.
        case blocked(written: Int)
    }

    private var storage: [UInt8] = []
    private var start = 0
    /// The largest capacity (bytes) kept once the buffer drains.
    public let keptCapacity: Int

    public init(keptCapacity: Int = 64 * 1024) {
        self.keptCapacity = keptCapacity
    }

    /// Bytes waiting to be written.
    public var count: Int { storage.count - start }

    public var isEmpty: Bool { start == storage.count }

    public mutating func append(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    /// Lets `body` append to the storage in place (a serializer writing straight into the
    /// buffer, with no copy between). `body` must only append.
    public mutating func appendInPlace<Result>(_ body: (inout [UInt8]) throws -> Result) rethrows -> Result {
        let before = storage.count
        defer { assert(storage.count >= before, "appendInPlace removed bytes") }
        return try body(&storage)
    }

    /// Writes to `fd` until everything is written or the socket would block.
    /// Throws `SystemError` when the write fails (EPIPE, ECONNRESET, ...): the peer is gone.
    public mutating func write(to fd: Int32) throws -> WriteOutcome {
        var written = 0
        while start < storage.count {
            let result = try storage.withUnsafeBytes { bytes in
                try systemCall("write") { Glibc.write(fd, bytes.baseAddress! + start, bytes.count - start) }
            }
            guard case .done(let count) = result else {
                if start > keptCapacity && start * 2 >= storage.count {
                    storage.removeFirst(start)
                    start = 0
                }
                return .blocked(written: written)
            }
            start += count
            written += count
        }
        storage.removeAll(keepingCapacity: storage.capacity <= keptCapacity)
        start = 0
        return .drained
    }
}
