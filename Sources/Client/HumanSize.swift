// HumanSize: kibibytes (as /proc and the API give memory, in kB) in a short binary unit:
// "512K", "60M", "2.4G". One decimal below 10 of a unit, none above.
public enum HumanSize {
    public static func format(kilobytes: Int64) -> String {
        var value = Double(max(kilobytes, 0))
        var unit = 0
        let units = ["K", "M", "G", "T"]
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 || value >= 10 {
            return "\(Int64(value))\(units[unit])"
        }
        return "\(Int64(value)).\(Int64(value * 10) % 10)\(units[unit])"
    }
}
