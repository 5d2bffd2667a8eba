// FieldInput: one member of a request body on its way into a JobDraft — its JSON value, its
// path in the body (`name`, `[3].timeout`), the request's clock and the node's allowed users —
// with the readers the
// table of job fields is written in. Every reader throws a 400 that starts with the path:
// `wrong_type` when the JSON type is not the one the field takes, `invalid_value` when the
// value breaks the field's rule.
struct FieldInput {
    /// Whether a text made only of white space (spaces, tabs, newlines, and the other Unicode
    /// White_Space characters) is taken.
    enum Blank {
        case allowed
        case refused
    }

    /// Instants PostgreSQL and RFC 3339 both represent: years 1 to 9999 (epoch milliseconds).
    static let timestampRange: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    let value: JSONValue
    let path: String
    /// Now, in epoch milliseconds.
    let now: Int64
    /// The users a job may run as on this node (`--allowed-users`).
    var allowedUsers: Set<String> = []

    var isNull: Bool { value == .null }

    /// A 400 `invalid_value` for this field.
    func invalid(_ reason: String) -> APIError {
        APIError.invalid(path, "invalid_value", reason)
    }

    private func wrongType(_ expected: String) -> APIError {
        APIError.invalid(path, "wrong_type", "must be \(expected), got \(value.typeName)")
    }

    /// A string; NUL is refused (PostgreSQL text cannot hold it).
    func string() throws(APIError) -> String {
        guard case .string(let text) = value else { throw wrongType("a string") }
        guard !text.utf8.contains(0) else { throw invalid("must not contain the NUL character") }
        return text
    }

    /// A string of so many characters (Unicode code points, as PostgreSQL counts them).
    func text(characters range: ClosedRange<Int>, blank: Blank) throws(APIError) -> String {
        let text = try string()
        try check(text.unicodeScalars.count, in: range, unit: "characters")
        try check(text, blank)
        return text
    }

    /// A string of so many bytes of UTF-8.
    func text(bytes range: ClosedRange<Int>, blank: Blank) throws(APIError) -> String {
        let text = try string()
        try check(text.utf8.count, in: range, unit: "bytes")
        try check(text, blank)
        return text
    }

    private func check(_ length: Int, in range: ClosedRange<Int>, unit: String) throws(APIError) {
        guard !range.contains(length) else { return }
        let bounds = range.lowerBound == 0 ? "at most \(range.upperBound)" : "\(range.lowerBound)-\(range.upperBound)"
        throw invalid("must be \(bounds) \(unit), got \(length)")
    }

    private func check(_ text: String, _ blank: Blank) throws(APIError) {
        if blank == .refused, text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw invalid("must not be blank")
        }
    }

    func bool() throws(APIError) -> Bool {
        guard case .bool(let flag) = value else { throw wrongType("a boolean") }
        return flag
    }

    /// A JSON integer (not a fraction) within `range`.
    func integer(in range: ClosedRange<Int64>) throws(APIError) -> Int64 {
        guard case .integer(let number) = value else { throw wrongType("an integer") }
        guard range.contains(number) else { throw invalid("must be \(range.lowerBound)-\(range.upperBound), got \(number)") }
        return number
    }

    /// A raw value of `Choice` (`allow`, `run_once`, ...).
    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws(APIError) -> Choice where Choice.RawValue == String {
        let text = try string()
        guard let choice = Choice(rawValue: text) else {
            throw invalid("\"\(text)\" is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    /// Milliseconds as an integer, or a duration string (`30s`, `1h30m`, `PT5M`).
    func duration() throws(APIError) -> Int64 {
        switch value {
        case .integer(let milliseconds):
            guard milliseconds >= 0 else { throw invalid("must not be negative, got \(milliseconds)") }
            return milliseconds
        case .string(let text):
            do {
                return try DurationParser.milliseconds(text)
            } catch {
                throw invalid("\"\(text)\" is not a duration (e.g. 30s, 5m, 1h30m, PT5M)")
            }
        default:
            throw wrongType("an integer of milliseconds or a duration string")
        }
    }

    /// A frequency as the draft keeps it: a non-negative integer of milliseconds (as its
    /// digits), or a string of at most `maxBytes` (its grammar is checked with the schedule).
    func frequency(maxBytes: Int) throws(APIError) -> String {
        switch value {
        case .integer(let milliseconds):
            guard milliseconds >= 0 else { throw invalid("must not be negative, got \(milliseconds)") }
            return String(milliseconds)
        case .string(let text):
            guard text.utf8.count <= maxBytes else { throw invalid("must be at most \(maxBytes) bytes, got \(text.utf8.count)") }
            return text
        default:
            throw wrongType("a string (duration or cron) or an integer of milliseconds")
        }
    }

    /// An RFC 3339 timestamp in years 1 to 9999, as epoch milliseconds.
    func timestamp() throws(APIError) -> Int64 {
        let text = try string()
        guard let instant = try? RFC3339.parse(text) else {
            throw invalid("\"\(text)\" is not an RFC 3339 timestamp (e.g. 2026-03-29T01:00:00Z)")
        }
        guard Self.timestampRange.contains(instant) else { throw invalid("\"\(text)\" is outside years 0001-9999") }
        return instant
    }

    /// A user name of the node's `--allowed-users` (an empty list refuses every name).
    func allowedUser() throws(APIError) -> String {
        let user = try string()
        guard allowedUsers.contains(user) else {
            throw invalid(allowedUsers.isEmpty
                ? "user \(user) is not in --allowed-users (empty on this node: a job may not choose its user)"
                : "user \(user) is not in --allowed-users")
        }
        return user
    }

    /// An IANA time zone name that the zone database knows.
    func timeZone() throws(APIError) -> String {
        let zone = try string()
        do {
            _ = try ZoneRules.named(zone)
        } catch {
            throw invalid("\"\(zone)\" is not an IANA time zone (e.g. Europe/Paris)")
        }
        return zone
    }
}
