// Schedule is a job's `frequency` once parsed: either a fixed period or a cron expression.
// The HTTP API validates a submitted job with `parse`, and FireTimes turns it into ticks.

/// Schedule is what a job's `frequency` means.
public enum Schedule: Equatable, Sendable {
    /// Ticks every so many milliseconds after the start (`5000`, `30s`, `@every 1h`). A period
    /// of 0 is allowed only for a job that does not repeat: it fires once, at its start.
    case interval(milliseconds: Int64)
    /// Ticks at the wall times a cron expression matches, in the job's time zone.
    case cron(CronExpression)

    /// Parses any textual frequency: a count of milliseconds (`5000`), a duration (`250ms`,
    /// `1h30m`, `2d`, `PT5M`), a cron expression of 5 or 6 fields, or a macro (`@daily`,
    /// `@every 10m`). Surrounding whitespace is ignored.
    public static func parse(_ text: String) throws -> Schedule {
        let trimmed = String(text.trimmingASCIIWhitespace())
        guard let first = trimmed.utf8.first else {
            throw ScheduleError.invalidValue(
                field: "frequency", text: "",
                allowed: "milliseconds, a duration (30s, 1h30m, PT5M) or a cron expression")
        }
        let unsigned = first == UInt8(ascii: "-") ? trimmed.utf8.dropFirst() : trimmed.utf8[...]
        if !unsigned.isEmpty, unsigned.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let milliseconds = Int64(trimmed) else {
                throw ScheduleError.outOfRange(field: "frequency", text: trimmed, allowed: "0-\(Int64.max)")
            }
            return try parse(milliseconds: milliseconds)
        }
        if first == UInt8(ascii: "@") {
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words[0].lowercased() == "@every" {
                guard words.count == 2 else { throw ScheduleError.invalidDuration(text: trimmed) }
                return .interval(milliseconds: try DurationParser.milliseconds(String(words[1])))
            }
            return .cron(try CronExpression(trimmed))
        }
        if trimmed.contains(where: { $0 == " " || $0 == "\t" }) {
            return .cron(try CronExpression(trimmed))
        }
        return .interval(milliseconds: try DurationParser.milliseconds(trimmed))
    }

    /// A frequency given as a JSON number of milliseconds, as the seed's Node.js timers took it.
    public static func parse(milliseconds: Int64) throws -> Schedule {
        guard milliseconds >= 0 else {
            throw ScheduleError.outOfRange(field: "frequency", text: String(milliseconds), allowed: "0-\(Int64.max)")
        }
        return .interval(milliseconds: milliseconds)
    }
}
