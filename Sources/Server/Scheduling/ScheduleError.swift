// ScheduleError is the one error type of schedule parsing and validation. Each case names the
// part at fault, the offending text and what is allowed, so that the HTTP API can answer 400
// with a message a user can act on, and `dsched next` can print the same words.

/// ScheduleError says which part of a schedule is wrong, the text at fault and what is allowed.
///
/// Every `description` has the shape `<field> field: <text> <problem>`, for example
/// `minute field: 61 is out of range 0-59`.
public enum ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A value outside its field's range: `minute field: 61 is out of range 0-59`.
    case outOfRange(field: String, text: String, allowed: String)
    /// A step of zero or beyond the field's span: `minute field: step of */0 is out of range 1-60`.
    case stepOutOfRange(field: String, text: String, allowed: String)
    /// A range whose start is after its end: `hour field: 22-2 is a backwards range; allowed 0-23`.
    case backwardsRange(field: String, text: String, allowed: String)
    /// Text that is no number, name or operator the field knows.
    case invalidValue(field: String, text: String, allowed: String)
    /// A cron expression with other than 5 or 6 fields.
    case wrongFieldCount(text: String, count: Int)
    /// An `@` word that is no known macro.
    case unknownMacro(text: String)
    /// Days of month that no selected month has, such as `0 0 30 2 *`.
    case neverFires(text: String, allowed: String)
    /// Text that is not a duration such as `1h30m` or `PT5M`.
    case invalidDuration(text: String)
    /// `frequency: 0` with `repeat: true` would fire forever at the same instant.
    case repeatingZeroFrequency
    /// A time zone name that is not in the IANA database.
    case unknownZone(name: String)
    /// A start date that is not an RFC 3339 timestamp.
    case invalidTimestamp(text: String)

    /// The part of the schedule at fault: a cron field (`second`, `minute`, `hour`,
    /// `day-of-month`, `month`, `day-of-week`), `frequency`, `timezone` or `startdate`.
    public var field: String {
        switch self {
        case .outOfRange(let field, _, _), .stepOutOfRange(let field, _, _),
             .backwardsRange(let field, _, _), .invalidValue(let field, _, _):
            return field
        case .wrongFieldCount, .unknownMacro, .invalidDuration, .repeatingZeroFrequency:
            return "frequency"
        case .neverFires:
            return "day-of-month"
        case .unknownZone:
            return "timezone"
        case .invalidTimestamp:
            return "startdate"
        }
    }

    public var description: String {
        "\(field) field: " + problem
    }

    private var problem: String {
        switch self {
        case .outOfRange(_, let text, let allowed):
            return "\(shown(text)) is out of range \(allowed)"
        case .stepOutOfRange(_, let text, let allowed):
            return "step of \(shown(text)) is out of range \(allowed)"
        case .backwardsRange(_, let text, let allowed):
            return "\(shown(text)) is a backwards range; allowed \(allowed)"
        case .invalidValue(_, let text, let allowed):
            return "\(shown(text)) is not a valid value; allowed \(allowed)"
        case .wrongFieldCount(let text, let count):
            return "\(shown(text)) has \(count) field\(count == 1 ? "" : "s"); allowed 5 (minute hour "
                + "day-of-month month day-of-week) or 6 (second first)"
        case .unknownMacro(let text):
            return "\(shown(text)) is not a known macro; allowed @yearly, @annually, @monthly, "
                + "@weekly, @daily, @midnight, @hourly, @every <duration>"
        case .neverFires(let text, let allowed):
            return "\(shown(text)) never occurs in the selected months; allowed \(allowed)"
        case .invalidDuration(let text):
            return "\(shown(text)) is not a duration; allowed <n>d<n>h<n>m<n>s<n>ms in that order "
                + "(e.g. 250ms, 1h30m) or ISO 8601 (e.g. PT5M)"
        case .repeatingZeroFrequency:
            return "0 with repeat true never advances; allowed a positive period, or repeat false"
        case .unknownZone(let name):
            return "\(shown(name)) is not a known time zone; allowed IANA names such as UTC, "
                + "Europe/London"
        case .invalidTimestamp(let text):
            return "\(shown(text)) is not an RFC 3339 timestamp; allowed e.g. 2026-03-29T01:00:00Z"
        }
    }

    /// An empty text is quoted so that the message still shows where it stood.
    private func shown(_ text: String) -> String {
        text.isEmpty ? "\"\"" : text
    }
}
