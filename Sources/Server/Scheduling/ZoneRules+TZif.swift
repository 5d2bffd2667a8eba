// Reading TZif files (RFC 8536) from the zoneinfo directory. Only what ZoneRules needs is kept:
// the instants the UTC offset changes, the offsets, and the footer rule for later years.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ZoneRules {
    /// Reads and decodes `<zoneinfo>/<name>`; nil when the file is missing or not TZif.
    init?(tzifNamed name: String) {
        let directory = getenv("TZDIR").map { String(cString: $0) } ?? "/usr/share/zoneinfo"
        guard let bytes = ZoneRules.readFile(directory + "/" + name) else { return nil }
        self.init(tzif: bytes, identifier: name)
    }

    /// Decodes TZif data: version 1 uses its 32-bit block; versions 2 and later use the 64-bit
    /// block that follows it, and the footer rule. Leap-second records are skipped.
    init?(tzif bytes: [UInt8], identifier: String) {
        var reader = Reader(bytes: bytes)
        guard let header = reader.header() else { return nil }
        let is64Bit = header.version >= UInt8(ascii: "2")
        var counts = header.counts
        if is64Bit {
            guard reader.skip(counts.blockSize(timeSize: 4)), let second = reader.header() else { return nil }
            counts = second.counts
        }
        let timeSize = is64Bit ? 8 : 4
        var transitionTimes: [Int64] = []
        for _ in 0..<counts.times {
            guard let time = reader.integer(size: timeSize) else { return nil }
            transitionTimes.append(time)
        }
        guard let typeIndices = reader.bytes(counts.times) else { return nil }
        var typeOffsets: [Int32] = []
        for _ in 0..<counts.types {
            guard let offset = reader.integer(size: 4), reader.skip(2) else { return nil }
            typeOffsets.append(Int32(truncatingIfNeeded: offset))
        }
        guard let initialOffset = typeOffsets.first,
              typeIndices.allSatisfy({ Int($0) < typeOffsets.count }),
              reader.skip(counts.characters + counts.leaps * (timeSize + 4) + counts.standardFlags + counts.utFlags)
        else { return nil }
        var rule: PosixTimeZoneRule?
        if is64Bit, let footer = reader.footer(), !footer.isEmpty {
            guard let parsed = PosixTimeZoneRule(footer) else { return nil }
            rule = parsed
        }
        // Keep only real offset changes: TZif also lists changes of abbreviation or isdst alone.
        var times: [Int64] = []
        var offsets: [Int32] = []
        var previous = initialOffset
        for (time, typeIndex) in zip(transitionTimes, typeIndices) where typeOffsets[Int(typeIndex)] != previous {
            previous = typeOffsets[Int(typeIndex)]
            times.append(time)
            offsets.append(previous)
        }
        self.init(identifier: identifier, times: times, offsets: offsets, initialOffset: initialOffset, rule: rule)
    }

    /// The contents of a regular file of at most 1 MiB, or nil.
    private static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= 1 << 20 else {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            filled += count
        }
        return bytes
    }

    /// The six counts of a TZif header.
    private struct Counts {
        let utFlags: Int, standardFlags: Int, leaps: Int, times: Int, types: Int, characters: Int

        func blockSize(timeSize: Int) -> Int {
            times * (timeSize + 1) + types * 6 + characters + leaps * (timeSize + 4) + standardFlags + utFlags
        }
    }

    /// Reader walks TZif bytes, big-endian, failing with nil past the end.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, bytes.count - position >= count else { return false }
            position += count
            return true
        }

        mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
            let start = position
            return skip(count) ? bytes[start..<position] : nil
        }

        /// A signed big-endian integer of 4 or 8 bytes.
        mutating func integer(size: Int) -> Int64? {
            guard let raw = bytes(size) else { return nil }
            let unsigned = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return size == 4 ? Int64(Int32(truncatingIfNeeded: unsigned)) : Int64(bitPattern: unsigned)
        }

        mutating func header() -> (version: UInt8, counts: Counts)? {
            guard let magic = bytes(4), magic.elementsEqual("TZif".utf8), let version = bytes(1)?.first,
                  skip(15)
            else { return nil }
            var values: [Int] = []
            for _ in 0..<6 {
                guard let value = integer(size: 4), value >= 0 else { return nil }
                values.append(Int(value))
            }
            let counts = Counts(
                utFlags: values[0], standardFlags: values[1], leaps: values[2],
                times: values[3], types: values[4], characters: values[5])
            return (version, counts)
        }

        /// The text between the newlines that close a version 2+ file.
        mutating func footer() -> String? {
            guard bytes(1)?.first == UInt8(ascii: "\n"),
                  let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n"))
            else { return nil }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }
    }
}
