// FrameDecoder: reassembles Frames from a byte stream that arrives in arbitrary pieces.
//
// Bytes are appended as they are read; `next()` returns each complete frame once. A bad
// length or version is an error after which the stream cannot be trusted: the caller closes it.
public struct FrameDecoder {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet returned as frames.
    public var bufferedCount: Int { buffer.count - start }

    /// The next complete frame, or nil until more bytes arrive.
    public mutating func next() throws(FrameError) -> Frame? {
        guard bufferedCount >= Frame.headerSize else { return nil }
        var length = 0
        for byte in buffer[start..<start + Frame.headerSize] {
            length = length << 8 | Int(byte)
        }
        guard length >= 2 else { throw .tooShort(length: length) }
        guard length <= Frame.maxLength else { throw .tooLarge(length: length, limit: Frame.maxLength) }
        guard bufferedCount >= Frame.headerSize + length else { return nil }
        let body = start + Frame.headerSize
        let version = buffer[body]
        guard version == Frame.version else { throw .unsupportedVersion(version) }
        let frame = Frame(kind: buffer[body + 1], payload: Array(buffer[(body + 2)..<(body + length)]))
        start = body + length
        compact()
        return frame
    }

    /// Drops consumed bytes once they are most of the buffer, keeping appends amortised O(1).
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
