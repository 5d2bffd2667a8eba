// WorkerMessageError: why a frame's payload is not a WorkerMessage. After one, the stream cannot
// be trusted: the channel ends (see WorkerChannel).
public enum WorkerMessageError: Error, Equatable, CustomStringConvertible {
    case unknownKind(UInt8)
    /// The payload ends inside `field`.
    case truncated(kind: UInt8, field: String)
    /// A Bool or presence byte that is neither 0 nor 1.
    case invalidFlag(kind: UInt8, field: String, byte: UInt8)
    case invalidUTF8(kind: UInt8, field: String)
    /// Bytes after the message's last field.
    case trailingBytes(kind: UInt8, count: Int)

    public var description: String {
        switch self {
        case .unknownKind(let kind): return "unknown worker message kind \(kind)"
        case .truncated(let kind, let field): return "worker message of kind \(kind) ends inside its field \(field)"
        case .invalidFlag(let kind, let field, let byte):
            return "worker message of kind \(kind): field \(field) has flag byte \(byte), not 0 or 1"
        case .invalidUTF8(let kind, let field): return "worker message of kind \(kind): field \(field) is not UTF-8"
        case .trailingBytes(let kind, let count): return "worker message of kind \(kind) has \(count) bytes after its last field"
        }
    }
}
