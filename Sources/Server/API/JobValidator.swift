// JobValidator: JSON → JobDraft, or a 400 that names the field and the reason.
//
// The writable fields and their rules are one table (`JobValidator+Fields.swift`, mirrored by
// the README's table); this file walks a body through it: unknown fields are refused (a typo
// must not silently become a default), and so are the read-only ones; then the schedule is
// checked as a whole (frequency grammar, its fit with repeat, a tick before the end of 9999).
struct JobValidator {
    static let readOnlyFields: Set<String> = ["id", "created_at", "updated_at", "version", "next_run_at", "done", "last_run",
                                              "missed_ticks_24h"]

    /// Now, in epoch milliseconds: the default startdate.
    let now: Int64
    /// The shortest period a repeating job may have, ms (`--min-frequency`): a 1 ms job would
    /// claim a thousand rows a second and starve the node.
    var minimumPeriod: Int64 = 0
    /// The users a job's `run_as` may name (`--allowed-users`).
    var allowedUsers: Set<String> = []
    /// Ticks looked at to find a cron schedule's shortest gap (its gaps can differ).
    static let periodProbeTicks = 32

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

    /// Each member through its row of the table, in name order (so the first error is stable).
    private func apply(_ object: [String: JSONValue], to draft: inout JobDraft, prefix: String) throws(APIError) {
        for key in object.keys.sorted() {
            let path = prefix + key
            if Self.readOnlyFields.contains(key) {
                throw APIError.invalid(path, "read_only_field", "is set by the server and cannot be written")
            }
            guard let field = Self.fieldsByName[key] else {
                throw APIError.invalid(path, "unknown_field", "is not a job field; known fields: \(Self.writableFields.joined(separator: ", "))")
            }
            try field.write(FieldInput(value: object[key]!, path: path, now: now, allowedUsers: allowedUsers), &draft)
        }
    }

    /// The schedule as a whole: frequency grammar, its fit with repeat, and at least one tick
    /// (ticks end with year 9999: `FireTimes.lastInstant`).
    private func checkSchedule(_ draft: JobDraft, prefix: String) throws(APIError) {
        let times: FireTimes
        do {
            times = try draft.fireTimes()
        } catch let error as ScheduleError {
            throw APIError.invalid(prefix + (error.field == "timezone" ? "timezone" : "frequency"), "invalid_value", error.description)
        } catch {
            throw APIError.invalid(prefix + "frequency", "invalid_value", "\(error)")
        }
        guard let first = times.first() else {
            throw APIError.invalid(prefix + "startdate", "invalid_value",
                                   "the schedule has no tick after it: ticks end at \(RFC3339.format(milliseconds: FireTimes.lastInstant))")
        }
        if times.repeats, let period = Self.shortestPeriod(times, from: first, minimum: minimumPeriod), period < minimumPeriod {
            throw APIError.invalid(prefix + "frequency", "invalid_value",
                                   "fires every \(period) ms; the shortest period allowed on this cluster is \(minimumPeriod) ms (--min-frequency)")
        }
    }

    /// The shortest gap between the first `periodProbeTicks` ticks (exact for an interval);
    /// nil when it cannot be below `minimum`: no cron schedule fires more often than every second,
    /// so the probe (32 schedule evaluations) is spent only when the minimum exceeds that.
    static func shortestPeriod(_ times: FireTimes, from first: Int64, minimum: Int64) -> Int64? {
        if case .interval(let period) = times.schedule { return period }
        guard minimum > 1_000 else { return nil }
        var shortest: Int64?
        var previous = first
        for _ in 1..<periodProbeTicks {
            guard let tick = times.next(after: previous) else { break }
            shortest = min(shortest ?? .max, tick - previous)
            previous = tick
        }
        return shortest
    }
}
