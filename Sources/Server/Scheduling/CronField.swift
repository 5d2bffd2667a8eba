// CronField is one field of a cron expression, parsed into a 64-bit set of allowed values so
// that matching is a bit test and "the next allowed value" is one count of trailing zeros.

/// CronField holds the values one cron field allows, as bits of a UInt64.
public struct CronField: Equatable, Sendable {
    /// Kind says which field this is: its name in messages, its range and its names.
    public enum Kind: String, Sendable {
        case second, minute, hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        /// The values a number may take. Day-of-week takes 0-7, where 7 is also Sunday.
        var range: ClosedRange<Int> {
            switch self {
            case .second, .minute: return 0...59
            case .hour: return 0...23
            case .dayOfMonth: return 1...31
            case .month: return 1...12
            case .dayOfWeek: return 0...7
            }
        }

        /// Three-letter names, numbered from `range.lowerBound`.
        var names: [String] {
            switch self {
            case .month: return ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: return ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: return []
            }
        }

        var allowed: String {
            let numbers = "\(range.lowerBound)-\(range.upperBound)"
            guard let first = names.first, let last = names.last else { return numbers }
            return "\(numbers) or \(first)-\(last)"
        }
    }

    /// Bit n is set when value n is allowed (day-of-week 7 is folded into 0).
    public let bits: UInt64
    /// The field was written starting with `*` (`*`, `*/5`). Classic cron combines day-of-month
    /// and day-of-week with OR only when neither starts with `*`.
    public let isStar: Bool

    init(bits: UInt64, isStar: Bool) {
        self.bits = bits
        self.isStar = isStar
    }

    /// Parses a list of items: `*`, `*/step`, `v`, `a-b`, `a-b/step`, `v/step` (v to the end).
    /// A step runs from the item's first value to its last, restarting in every larger unit
    /// (`*/7` minutes: 0, 7, …, 56, then 0 of the next hour); it is 1 to the field's span (60,
    /// 24, 31, 12, 7). `*` and `v/step` end at the field's top (day-of-week: 6, Saturday, so
    /// `1/2` there is MON, WED, FRI). In day-of-week a range ending in SUN or 0 ends at 7.
    init(_ text: Substring, kind: Kind) throws {
        let field = kind.rawValue
        let allowed = kind.allowed
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw ScheduleError.invalidValue(field: field, text: String(text), allowed: allowed)
            }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let span = kind == .dayOfWeek ? 7 : kind.range.count
            var step = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]) else {
                    throw ScheduleError.invalidValue(field: field, text: String(item), allowed: allowed)
                }
                guard (1...span).contains(value) else {
                    throw ScheduleError.stepOutOfRange(field: field, text: String(item), allowed: "1-\(span)")
                }
                step = value
            }
            let bounds = try CronField.bounds(of: parts[0], stepped: parts.count == 2, kind: kind, item: item)
            for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
                bits |= 1 << UInt64(kind == .dayOfWeek ? value % 7 : value)
            }
        }
        self.init(bits: bits, isStar: text.hasPrefix("*"))
    }

    /// The first and last value of an item's range part (`*`, `v` or `a-b`).
    private static func bounds(
        of text: Substring, stepped: Bool, kind: Kind, item: Substring
    ) throws -> ClosedRange<Int> {
        let top = kind == .dayOfWeek ? 6 : kind.range.upperBound
        if text == "*" { return kind.range.lowerBound...top }
        let ends = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let first = try value(ends[0], kind: kind, item: item)
        guard ends.count == 2 else { return first...(stepped ? max(first, top) : first) }
        var last = try value(ends[1], kind: kind, item: item)
        if kind == .dayOfWeek && last == 0 && first > 0 {
            last = 7  // Sunday closes a week: SAT-SUN, MON-SUN, fri-0 (as in cronie and croniter)
        }
        guard first <= last else {
            throw ScheduleError.backwardsRange(field: kind.rawValue, text: String(text), allowed: kind.allowed)
        }
        return first...last
    }

    /// A number within the field's range, or one of its names (case-insensitive).
    private static func value(_ text: Substring, kind: Kind, item: Substring) throws -> Int {
        if let index = kind.names.firstIndex(of: text.uppercased()) {
            return kind.range.lowerBound + index
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ScheduleError.invalidValue(field: kind.rawValue, text: String(item), allowed: kind.allowed)
        }
        guard let number = Int(text), kind.range.contains(number) else {
            throw ScheduleError.outOfRange(
                field: kind.rawValue, text: String(text),
                allowed: "\(kind.range.lowerBound)-\(kind.range.upperBound)")
        }
        return number
    }

    func contains(_ value: Int) -> Bool {
        bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value ≥ `value`, if any (values above 63 have none).
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let rest = bits >> UInt64(value)
        return rest == 0 ? nil : value + rest.trailingZeroBitCount
    }

    /// The smallest allowed value; every parsed field allows at least one.
    var first: Int {
        bits.trailingZeroBitCount
    }
}
