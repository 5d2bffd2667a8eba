// DurationParser reads the duration forms of a job's frequency (`250ms`, `1h30m`, `2d`) and
// ISO 8601 durations (`PT5M`, `P1DT12H`) into milliseconds. Years and months are refused:
// they have no fixed length, and an interval schedule needs one.

/// DurationParser turns duration text into a count of milliseconds.
enum DurationParser {
    /// Parses `<n>d<n>h<n>m<n>s<n>ms` (any non-empty subset, units in that order, each at most
    /// once, case-insensitive) or an ISO 8601 duration starting with `P`.
    static func milliseconds(_ text: String) throws -> Int64 {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { throw ScheduleError.invalidDuration(text: text) }
        let total = first == UInt8(ascii: "P") || first == UInt8(ascii: "p")
            ? iso8601(bytes[...])
            : compact(bytes[...])
        switch total {
        case .some(.some(let ms)): return ms
        case .some(.none):
            throw ScheduleError.outOfRange(field: "frequency", text: text, allowed: "0-\(Int64.max)ms")
        case .none: throw ScheduleError.invalidDuration(text: text)
        }
    }

    /// Units of the compact form and their rank: units must appear in increasing rank.
    private static let compactUnits: [String: (rank: Int, ms: Int64)] = [
        "d": (0, 86_400_000), "h": (1, 3_600_000), "m": (2, 60_000), "s": (3, 1000), "ms": (4, 1),
    ]

    /// nil: not a duration; .some(nil): a duration too large for Int64 milliseconds.
    private static func compact(_ bytes: ArraySlice<UInt8>) -> Int64?? {
        var rest = bytes
        var total: Int64? = 0
        var lastRank = -1
        while !rest.isEmpty {
            guard let (number, afterNumber) = digits(rest) else { return nil }
            let letters = afterNumber.prefix(while: isLetter)
            guard let unit = compactUnits[String(decoding: letters, as: UTF8.self).lowercased()],
                  unit.rank > lastRank
            else { return nil }
            lastRank = unit.rank
            rest = afterNumber.dropFirst(letters.count)
            total = add(total, number, times: unit.ms)
        }
        return .some(total)
    }

    /// `P[nW]` or `P[nD][T[nH][nM][n[.fff]S]]`, with at least one component.
    private static func iso8601(_ bytes: ArraySlice<UInt8>) -> Int64?? {
        var rest = bytes.dropFirst()
        var total: Int64? = 0
        var inTime = false
        var lastRank = -1
        var components = 0
        while !rest.isEmpty {
            if !inTime, rest.first == UInt8(ascii: "T") || rest.first == UInt8(ascii: "t") {
                inTime = true
                rest = rest.dropFirst()
                guard !rest.isEmpty else { return nil }
                continue
            }
            guard let (number, afterNumber) = digits(rest), let designator = afterNumber.first else { return nil }
            var fraction: Int64 = 0
            var afterValue = afterNumber
            if designator == UInt8(ascii: ".") || designator == UInt8(ascii: ",") {
                let decimals = afterNumber.dropFirst().prefix(while: isDigit)
                guard (1...3).contains(decimals.count) else { return nil }
                let padded = Array(decimals) + Array(repeating: UInt8(ascii: "0"), count: 3 - decimals.count)
                fraction = padded.reduce(0) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
                afterValue = afterNumber.dropFirst(1 + decimals.count)
            }
            guard let unitByte = afterValue.first else { return nil }
            let unit = Character(Unicode.Scalar(unitByte)).uppercased()
            let (rank, ms): (Int, Int64)
            switch (inTime, unit) {
            case (false, "W"): (rank, ms) = (0, 604_800_000)
            case (false, "D"): (rank, ms) = (1, 86_400_000)
            case (true, "H"): (rank, ms) = (2, 3_600_000)
            case (true, "M"): (rank, ms) = (3, 60_000)
            case (true, "S"): (rank, ms) = (4, 1000)
            default: return nil
            }
            guard rank > lastRank, fraction == 0 || unit == "S" else { return nil }
            lastRank = rank
            components += 1
            total = add(add(total, number, times: ms), fraction, times: 1)
            rest = afterValue.dropFirst()
        }
        return components == 0 ? nil : .some(total)
    }

    /// A run of ASCII digits at the start, and what follows; the number is nil when it overflows.
    private static func digits(_ bytes: ArraySlice<UInt8>) -> (Int64?, ArraySlice<UInt8>)? {
        let run = bytes.prefix(while: isDigit)
        guard !run.isEmpty else { return nil }
        var value: Int64? = 0
        for byte in run {
            value = add(value.flatMap { multiplied($0, 10) }, Int64(byte - UInt8(ascii: "0")), times: 1)
        }
        return (value, bytes.dropFirst(run.count))
    }

    private static func add(_ total: Int64?, _ number: Int64?, times unit: Int64) -> Int64? {
        guard let total, let number, let product = multiplied(number, unit) else { return nil }
        let (sum, overflow) = total.addingReportingOverflow(product)
        return overflow ? nil : sum
    }

    private static func multiplied(_ a: Int64, _ b: Int64) -> Int64? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
