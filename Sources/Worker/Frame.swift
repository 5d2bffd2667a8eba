// Frame: the unit of the master↔worker protocol over their socketpair.
//
// Wire layout (big-endian):
//
//     +----------------+---------+------+-----------------+
//     | length: UInt32 | version | kind | payload ...     |
//     +----------------+---------+------+-----------------+
//
// `length` counts the bytes after itself (version + kind + payload), so a reader knows how
// much to wait for before it looks inside. `version` lets a master refuse a worker binary of
// another protocol instead of misreading it; it covers the payloads' layouts too (binary since
// version 2: see WorkerMessage+Frame.swift; version 3 added the run's `runAs`, version 4 its
// `maxMemoryBytes` and `maxCPUSeconds`, version 5 the `ping` and `pong` messages), so any change to one of them bumps it.
public struct Frame: Equatable, Sendable {
    public static let version: UInt8 = 5
    /// The largest length a peer may announce: bounds what a reader buffers for one frame.
    public static let maxLength = 4 * 1024 * 1024
    static let headerSize = 4

    public let kind: UInt8
    public let payload: [UInt8]

    public init(kind: UInt8, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// The frame's bytes on the wire.
    public func encoded() throws(FrameError) -> [UInt8] {
        let length = payload.count + 2
        guard length <= Frame.maxLength else { throw .tooLarge(length: length, limit: Frame.maxLength) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Frame.headerSize + length)
        withUnsafeBytes(of: UInt32(length).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Frame.version)
        bytes.append(kind)
        bytes.append(contentsOf: payload)
        return bytes
    }
}

public enum FrameError: Error, Equatable, CustomStringConvertible {
    case tooLarge(length: Int, limit: Int)
    case tooShort(length: Int)
    case unsupportedVersion(UInt8)

    public var description: String {
        switch self {
        case .tooLarge(let length, let limit): return "frame of \(length) bytes exceeds the limit of \(limit)"
        case .tooShort(let length): return "frame length \(length) is shorter than its version and kind"
        case .unsupportedVersion(let version): return "frame version \(version) is not supported (this binary speaks \(Frame.version))"
        }
    }
}
