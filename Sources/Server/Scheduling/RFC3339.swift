// RFC3339 reads and writes the timestamps that the API and the command line show people:
// `2026-03-29T01:00:00Z`, with `.123` only when the milliseconds are not zero.

/// RFC3339 converts between RFC 3339 text and milliseconds since the Unix epoch.
public enum RFC3339 {
    /// UTC text of an instant: `2026-03-29T01:00:00Z` or `2026-03-29T01:00:00.250Z`.
    public static func format(milliseconds: Int64) -> String {
        let seconds = floorDiv(milliseconds, 1000)
        let millis = Int(milliseconds - seconds * 1000)
        let t = CivilTime(seconds: seconds)
        // Digits are written into a fixed buffer: this runs several times per API response.
        let capacity = 30
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var index = 0
            func put(_ value: Int, _ width: Int) {
                var value = value
                if value < 0 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                    value = -value
                }
                var digits = 1
                var rest = value / 10
                while rest > 0 { digits += 1; rest /= 10 }
                let count = max(width, digits)
                for position in stride(from: count - 1, through: 0, by: -1) {
                    buffer[index + position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += count
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(Int(t.year), 4); put("-"); put(Int(t.month), 2); put("-"); put(Int(t.day), 2); put("T")
            put(Int(t.hour), 2); put(":"); put(Int(t.minute), 2); put(":"); put(Int(t.second), 2)
            if millis != 0 {
                put(".")
                put(millis, 3)
            }
            put("Z")
            return index
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space for `T` are
    /// accepted too. Digits of the fraction past milliseconds are dropped. Throws
    /// `ScheduleError.invalidTimestamp`.
    public static func parse(_ text: String) throws -> Int64 {
        guard let instant = instant(Array(text.utf8)) else { throw ScheduleError.invalidTimestamp(text: text) }
        return instant
    }

    private static func instant(_ b: [UInt8]) -> Int64? {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for byte in b[start..<start + count] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ index: Int, _ allowed: String) -> Bool {
            index < b.count && allowed.utf8.contains(b[index])
        }
        guard let year = number(0, 4), byte(4, "-"), let month = number(5, 2), byte(7, "-"),
              let day = number(8, 2), byte(10, "Tt "), let hour = number(11, 2), byte(13, ":"),
              let minute = number(14, 2), byte(16, ":"), let second = number(17, 2),
              (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: Int64(year), month: month),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var millis = 0
        if byte(index, ".") {
            index += 1
            let digitsStart = index
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                if index - digitsStart < 3 { millis = millis * 10 + Int(b[index] - UInt8(ascii: "0")) }
                index += 1
            }
            guard index > digitsStart else { return nil }
            for _ in min(index - digitsStart, 3)..<3 { millis *= 10 }
        }
        var offset = 0
        if byte(index, "Zz") {
            index += 1
        } else if byte(index, "+-"), let hours = number(index + 1, 2), byte(index + 3, ":"),
                  let minutes = number(index + 4, 2), hours < 24, minutes < 60 {
            offset = (hours * 60 + minutes) * 60 * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let wall = CivilTime(year: Int64(year), month: month, day: day, hour: hour, minute: minute, second: second)
        return (wall.seconds - Int64(offset)) * 1000 + Int64(millis)
    }
}
