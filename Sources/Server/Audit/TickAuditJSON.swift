// TickAuditJSON: the answer of GET /jobs/{id}/ticks (issue13-shapes.md), written with
// JSONWriter: `run_id` and `attempts` only for a tick with rows, `reason` only for a skipped
// one, `counts` only for the outcomes present.
enum TickAuditJSON {
    static func write(jobID: Int64, window: TickWindow, ticks: [TickAudit.Tick], nextFrom: Int64?, into json: inout JSONWriter) {
        json.beginObject()
        json.key("job_id")
        json.integer(jobID)
        json.key("from")
        json.string(RFC3339.format(milliseconds: window.from))
        json.key("to")
        json.string(RFC3339.format(milliseconds: window.to))
        json.key("ticks")
        json.beginArray()
        for tick in ticks {
            json.beginObject()
            json.key("at")
            json.string(RFC3339.format(milliseconds: tick.at))
            json.key("outcome")
            json.string(tick.outcome.rawValue)
            if let reason = tick.reason {
                json.key("reason")
                json.string(reason)
            }
            if let runID = tick.runID {
                json.key("run_id")
                json.integer(runID)
            }
            if let attempts = tick.attempts {
                json.key("attempts")
                json.integer(attempts)
            }
            json.endObject()
        }
        json.endArray()
        json.key("counts")
        json.beginObject()
        for (outcome, count) in TickAudit.counts(ticks) {
            json.key(outcome.key)
            json.integer(count)
        }
        json.endObject()
        json.key("truncated")
        json.bool(nextFrom != nil)
        json.key("next_from")
        json.string(nextFrom.map { RFC3339.format(milliseconds: $0) })
        json.endObject()
    }
}

extension TickAudit.Outcome {
    /// The outcome as a JSON key (JSONWriter takes static keys).
    var key: StaticString {
        switch self {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .timedOut: "timed_out"
        case .lost: "lost"
        case .cancelled: "cancelled"
        case .skipped: "skipped"
        case .running: "running"
        case .pending: "pending"
        case .missed: "missed"
        case .future: "future"
        }
    }
}
