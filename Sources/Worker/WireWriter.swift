// WireWriter: builds a frame payload field by field, in the binary layout of the master↔worker
// protocol (read back by WireReader).
//
// Integers are fixed-width little-endian; a Bool is one byte (0 or 1); an optional is a
// presence byte (0 absent, 1 present) then the value; a string is its UTF-8 byte count
// (UInt32, little-endian) then its bytes. No field names, no padding: each message's fields
// are written in one fixed order (WorkerMessage+Frame.swift).
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    /// `capacity`: the bytes expected, reserved up front.
    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func integer<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func integer<Value: FixedWidthInteger>(_ value: Value?) {
        bool(value != nil)
        if let value { integer(value) }
    }

    /// A string longer than UInt32.max bytes cannot be sent: its count wraps, but its bytes
    /// make the payload exceed `Frame.maxLength`, which `Frame.encoded()` refuses.
    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            integer(UInt32(truncatingIfNeeded: utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func string(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }
}
