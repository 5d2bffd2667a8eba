// JobValidator: JSON → JobDraft, or a 400 that names the field and the reason.
//
// Rules (the README's table mirrors them): name 1–200 characters; description up to 10,000
// characters; frequency a string (duration or cron) or a non-negative integer of milliseconds;
// startdate RFC 3339 (default now); script 1 byte to 64 KiB; repeat a boolean; timezone an IANA
// name; timeout and retry_backoff milliseconds or a duration (timeout may be null: no limit);
// retries 0–100; concurrency allow|forbid|replace; misfire run_once|skip|run_all; paused a
// boolean. Unknown fields are refused (a typo must not silently become a default), and so
// are the read-only ones.
struct JobValidator {
    static let maxNameCharacters = 200
    static let maxDescriptionCharacters = 10_000
    static let maxScriptBytes = 64 * 1024
    static let maxRetries = 100
    static let maxFrequencyBytes = 256
    /// Start dates PostgreSQL and RFC 3339 both represent: years 1 to 9999.
    static let startdateRange: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    static let writableFields: Set<String> = ["name", "description", "frequency", "startdate", "script", "repeat",
                                              "timezone", "timeout", "retries", "retry_backoff", "concurrency", "misfire", "paused"]
    static let readOnlyFields: Set<String> = ["id", "created_at", "updated_at", "version", "next_run_at", "done"]

    /// Now, in epoch milliseconds: the default startdate.
    let now: Int64

    /// A new job from a JSON object; `prefix` names its place in an array ("[3].").
    func create(_ value: JSONValue, prefix: String = "") throws(APIError) -> JobDraft {
        guard case .object(let object) = value else {
            throw APIError(.badRequest, "invalid_body", "\(prefix.isEmpty ? "the body" : String(prefix.dropLast())) must be a JSON object, got \(value.typeName)",
                           field: prefix.isEmpty ? nil : String(prefix.dropLast()))
        }
        for required in ["name", "frequency", "script"] where object[required] == nil || object[required] == .null {
            throw APIError.invalid(prefix + required, "missing_field", "is required")
        }
        var draft = JobDraft(name: "", frequency: "", startdate: now, script: "")
        try apply(object, to: &draft, prefix: prefix)
        try checkSchedule(draft, prefix: prefix)
        return draft
    }

    /// An existing job's definition with the fields of a PATCH body applied.
    func patch(_ current: JobDraft, with value: JSONValue) throws(APIError) -> JobDraft {
        guard case .object(let object) = value else {
            throw APIError(.badRequest, "invalid_body", "the body must be a JSON object, got \(value.typeName)")
        }
        var draft = current
        try apply(object, to: &draft, prefix: "")
        try checkSchedule(draft, prefix: "")
        return draft
    }

    private func apply(_ object: [String: JSONValue], to draft: inout JobDraft, prefix: String) throws(APIError) {
        for key in object.keys.sorted() {
            let field = prefix + key
            let value = object[key]!
            if Self.readOnlyFields.contains(key) {
                throw APIError.invalid(field, "read_only_field", "is set by the server and cannot be written")
            }
            guard Self.writableFields.contains(key) else {
                throw APIError.invalid(field, "unknown_field", "is not a job field; known fields: \(Self.writableFields.sorted().joined(separator: ", "))")
            }
            switch key {
            case "name":
                // Characters as PostgreSQL counts them (code points), so the column's CHECK agrees.
                let name = try string(value, field)
                let length = name.unicodeScalars.count
                guard (1...Self.maxNameCharacters).contains(length) else {
                    throw APIError.invalid(field, "invalid_value", "must be 1-\(Self.maxNameCharacters) characters, got \(length)")
                }
                draft.name = name
            case "description":
                let description = value == .null ? "" : try string(value, field)
                guard description.unicodeScalars.count <= Self.maxDescriptionCharacters else {
                    throw APIError.invalid(field, "invalid_value", "must be at most \(Self.maxDescriptionCharacters) characters, got \(description.unicodeScalars.count)")
                }
                draft.description = description
            case "frequency":
                switch value {
                case .integer(let milliseconds):
                    guard milliseconds >= 0 else { throw APIError.invalid(field, "invalid_value", "must not be negative, got \(milliseconds)") }
                    draft.frequency = String(milliseconds)
                case .string(let text):
                    guard text.utf8.count <= Self.maxFrequencyBytes else {
                        throw APIError.invalid(field, "invalid_value", "must be at most \(Self.maxFrequencyBytes) bytes, got \(text.utf8.count)")
                    }
                    draft.frequency = text
                default:
                    throw APIError.invalid(field, "wrong_type", "must be a string (duration or cron) or an integer of milliseconds, got \(value.typeName)")
                }
            case "startdate":
                if value == .null {
                    draft.startdate = now
                } else {
                    let text = try string(value, field)
                    guard let instant = try? RFC3339.parse(text) else {
                        throw APIError.invalid(field, "invalid_value", "\"\(text)\" is not an RFC 3339 timestamp (e.g. 2026-03-29T01:00:00Z)")
                    }
                    guard Self.startdateRange.contains(instant) else {
                        throw APIError.invalid(field, "invalid_value", "\"\(text)\" is outside years 0001-9999")
                    }
                    draft.startdate = instant
                }
            case "script":
                let script = try string(value, field)
                guard (1...Self.maxScriptBytes).contains(script.utf8.count) else {
                    throw APIError.invalid(field, "invalid_value", "must be 1-\(Self.maxScriptBytes) bytes, got \(script.utf8.count)")
                }
                draft.script = script
            case "repeat":
                draft.repeats = try bool(value, field)
            case "timezone":
                let zone = try string(value, field)
                do {
                    _ = try ZoneRules.named(zone)
                } catch {
                    throw APIError.invalid(field, "invalid_value", "\"\(zone)\" is not an IANA time zone (e.g. Europe/Paris)")
                }
                draft.timezone = zone
            case "timeout":
                if value == .null {
                    draft.timeoutMilliseconds = nil
                } else {
                    let timeout = try duration(value, field)
                    guard timeout > 0 else { throw APIError.invalid(field, "invalid_value", "must be positive (or null for no limit)") }
                    draft.timeoutMilliseconds = timeout
                }
            case "retries":
                guard case .integer(let retries) = value else {
                    throw APIError.invalid(field, "wrong_type", "must be an integer, got \(value.typeName)")
                }
                guard (0...Int64(Self.maxRetries)).contains(retries) else {
                    throw APIError.invalid(field, "invalid_value", "must be 0-\(Self.maxRetries), got \(retries)")
                }
                draft.retries = Int(retries)
            case "retry_backoff":
                draft.retryBackoffMilliseconds = try duration(value, field)
            case "concurrency":
                let text = try string(value, field)
                guard let policy = JobDraft.Concurrency(rawValue: text) else {
                    throw APIError.invalid(field, "invalid_value", "\"\(text)\" is not one of allow, forbid, replace")
                }
                draft.concurrency = policy
            case "misfire":
                let text = try string(value, field)
                guard let policy = JobDraft.Misfire(rawValue: text) else {
                    throw APIError.invalid(field, "invalid_value", "\"\(text)\" is not one of run_once, skip, run_all")
                }
                draft.misfire = policy
            default:  // "paused"; the writable set and this switch name the same fields
                draft.paused = try bool(value, field)
            }
        }
    }

    /// The schedule as a whole: frequency grammar, and its fit with repeat.
    private func checkSchedule(_ draft: JobDraft, prefix: String) throws(APIError) {
        do {
            _ = try draft.fireTimes()
        } catch let error as ScheduleError {
            throw APIError.invalid(prefix + (error.field == "timezone" ? "timezone" : "frequency"), "invalid_value", error.description)
        } catch {
            throw APIError.invalid(prefix + "frequency", "invalid_value", "\(error)")
        }
    }

    /// A string field; NUL is refused (PostgreSQL text cannot hold it).
    private func string(_ value: JSONValue, _ field: String) throws(APIError) -> String {
        guard case .string(let text) = value else { throw APIError.invalid(field, "wrong_type", "must be a string, got \(value.typeName)") }
        guard !text.utf8.contains(0) else { throw APIError.invalid(field, "invalid_value", "must not contain the NUL character") }
        return text
    }

    private func bool(_ value: JSONValue, _ field: String) throws(APIError) -> Bool {
        guard case .bool(let flag) = value else { throw APIError.invalid(field, "wrong_type", "must be a boolean, got \(value.typeName)") }
        return flag
    }

    /// Milliseconds as an integer, or a duration string (`30s`, `1h30m`, `PT5M`).
    private func duration(_ value: JSONValue, _ field: String) throws(APIError) -> Int64 {
        switch value {
        case .integer(let milliseconds):
            guard milliseconds >= 0 else { throw APIError.invalid(field, "invalid_value", "must not be negative, got \(milliseconds)") }
            return milliseconds
        case .string(let text):
            do {
                return try DurationParser.milliseconds(text)
            } catch {
                throw APIError.invalid(field, "invalid_value", "\"\(text)\" is not a duration (e.g. 30s, 5m, 1h30m, PT5M)")
            }
        default:
            throw APIError.invalid(field, "wrong_type", "must be an integer of milliseconds or a duration string, got \(value.typeName)")
        }
    }
}
