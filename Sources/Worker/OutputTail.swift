// OutputTail: the last `limit` bytes of a script's output, however much it prints.
//
// A run reports only the tail of its output (the end of a log is where the error usually is),
// and a script that prints gigabytes must not cost the worker more than `limit` bytes. The
// storage grows with the output up to `limit` bytes, then becomes a ring: each new byte
// overwrites the oldest. Appending n bytes costs O(min(n, limit)): O(1) per byte, whatever the
// sizes of the pieces.
public struct OutputTail {
    /// The most bytes kept.
    public let limit: Int
    /// Every byte ever appended, kept or not.
    public private(set) var receivedCount = 0
    /// Grows to `limit` bytes; once full, a ring whose oldest byte is at `head`.
    private var storage: [UInt8] = []
    private var head = 0

    /// A negative limit is taken as 0 (nothing kept).
    public init(limit: Int) {
        self.limit = max(limit, 0)
    }

    /// Whether bytes were dropped from the front.
    public var truncated: Bool { receivedCount > limit }

    /// How many bytes are kept: min(receivedCount, limit).
    public var count: Int { storage.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        receivedCount += bytes.count
        guard limit > 0, !bytes.isEmpty else { return }
        if bytes.count >= limit {
            // The piece alone fills the tail: it replaces everything before it.
            storage.removeAll(keepingCapacity: true)
            storage.append(contentsOf: bytes[(bytes.count - limit)...])
            head = 0
            return
        }
        var rest = bytes[...]
        if storage.count < limit {
            let fill = min(rest.count, limit - storage.count)
            storage.append(contentsOf: rest.prefix(fill))
            rest = rest.dropFirst(fill)
        }
        // Now `storage` is full (or `rest` is empty): overwrite the oldest bytes, wrapping once
        // at most since rest.count < limit.
        storage.withUnsafeMutableBytes { ring in
            while !rest.isEmpty {
                let run = min(rest.count, limit - head)
                UnsafeMutableRawBufferPointer(rebasing: ring[head..<(head + run)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(run)))
                rest = rest.dropFirst(run)
                head = (head + run) % limit
            }
        }
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The kept bytes, oldest first.
    public var bytes: [UInt8] {
        Array(storage[head...] + storage[..<head])
    }

    /// The kept bytes as UTF-8 text. When the front was cut off, a character the cut split in
    /// two is dropped rather than shown as a replacement character.
    public var text: String {
        var kept = bytes[...]
        if truncated {
            // At most three continuation bytes (10xxxxxx) can precede the first whole character.
            var skipped = 0
            while skipped < 3, let first = kept.first, first & 0xC0 == 0x80 {
                kept = kept.dropFirst()
                skipped += 1
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }
}
