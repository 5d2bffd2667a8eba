// HumanDuration: milliseconds as people read them in a table, in at most two units, the way
// kubectl shows ages: "340ms", "1.2s", "3s", "42s", "3m12s", "42m", "5h12m", "14h", "3d4h", "12d",
// "2y". Precision falls as the value grows: a reader wants the size, not the last digit.
public enum HumanDuration {
    /// `milliseconds` ≥ 0 (a negative value is shown as its magnitude).
    public static func format(milliseconds: Int64) -> String {
        let ms = milliseconds.magnitude
        let second: UInt64 = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour
        switch ms {
        case ..<second:
            return "\(ms)ms"
        case ..<(10 * second):
            // One decimal, truncated (1999 ms is "1.9s", never "2.0s"), left out when zero.
            let tenths = ms % second / 100
            return tenths == 0 ? "\(ms / second)s" : "\(ms / second).\(tenths)s"
        case ..<minute:
            return "\(ms / second)s"
        case ..<(10 * minute):
            return pair(ms / minute, "m", ms % minute / second, "s")
        case ..<hour:
            return "\(ms / minute)m"
        case ..<(10 * hour):
            return pair(ms / hour, "h", ms % hour / minute, "m")
        case ..<day:
            return "\(ms / hour)h"
        case ..<(10 * day):
            return pair(ms / day, "d", ms % day / hour, "h")
        case ..<(365 * day):
            return "\(ms / day)d"
        default:
            return "\(ms / (365 * day))y"
        }
    }

    /// "3m12s", or "3m" when the smaller unit is zero.
    private static func pair(_ major: UInt64, _ majorUnit: String, _ minor: UInt64, _ minorUnit: String) -> String {
        minor == 0 ? "\(major)\(majorUnit)" : "\(major)\(majorUnit)\(minor)\(minorUnit)"
    }
}
