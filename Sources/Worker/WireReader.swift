// WireReader: reads a frame payload back field by field, in WireWriter's layout, and rejects
// what does not fit it — a payload that ends inside a field, a flag byte other than 0 or 1,
// text that is not UTF-8, bytes left over — with a typed error, never a crash: the bytes come
// from another process, which may be another version, or broken.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0
    /// The message kind being read, named in errors.
    private let kind: UInt8

    init(_ bytes: [UInt8], kind: UInt8) {
        self.bytes = bytes
        self.kind = kind
    }

    private var remaining: Int { bytes.count - offset }

    mutating func integer<Value: FixedWidthInteger>(_ field: StaticString, as type: Value.Type = Value.self) throws(WorkerMessageError) -> Value {
        let size = MemoryLayout<Value>.size
        guard remaining >= size else { throw .truncated(kind: kind, field: "\(field)") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Value.self) }
        offset += size
        return Value(littleEndian: value)
    }

    mutating func bool(_ field: StaticString) throws(WorkerMessageError) -> Bool {
        guard remaining >= 1 else { throw .truncated(kind: kind, field: "\(field)") }
        let byte = bytes[offset]
        guard byte <= 1 else { throw .invalidFlag(kind: kind, field: "\(field)", byte: byte) }
        offset += 1
        return byte == 1
    }

    mutating func optionalInteger<Value: FixedWidthInteger>(_ field: StaticString, as type: Value.Type = Value.self) throws(WorkerMessageError) -> Value? {
        try bool(field) ? try integer(field, as: Value.self) : nil
    }

    mutating func string(_ field: StaticString) throws(WorkerMessageError) -> String {
        let count = Int(try integer(field, as: UInt32.self))
        guard remaining >= count else { throw .truncated(kind: kind, field: "\(field)") }
        let text = bytes.withUnsafeBufferPointer { buffer in
            String(validating: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + count)]), as: UTF8.self)
        }
        guard let text else { throw .invalidUTF8(kind: kind, field: "\(field)") }
        offset += count
        return text
    }

    mutating func optionalString(_ field: StaticString) throws(WorkerMessageError) -> String? {
        try bool(field) ? try string(field) : nil
    }

    /// Ends the read: every byte must have been a field.
    func finish() throws(WorkerMessageError) {
        guard remaining == 0 else { throw .trailingBytes(kind: kind, count: remaining) }
    }
}
