// RunJSON: a run as the API shows it, written with JSONWriter. Keys are alphabetical; times
// are RFC 3339 UTC; durations are milliseconds.
enum RunJSON {
    static func write(_ run: Run, into json: inout JSONWriter) {
        json.beginObject()
        json.key("attempt")
        json.integer(run.attempt)
        json.key("cpu_system_ms")
        json.integer(run.cpuSystemMilliseconds)
        json.key("cpu_user_ms")
        json.integer(run.cpuUserMilliseconds)
        json.key("exit_code")
        json.integer(run.exitCode)
        json.key("finished_at")
        json.string(run.finishedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("id")
        json.integer(run.id)
        json.key("job_id")
        json.integer(run.jobID)
        json.key("max_rss_kb")
        json.integer(run.maxRSSKilobytes)
        json.key("node_id")
        json.string(run.nodeID)
        json.key("output")
        json.string(run.output)
        json.key("output_truncated")
        json.bool(run.outputTruncated)
        json.key("scheduled_at")
        json.string(RFC3339.format(milliseconds: run.scheduledAt))
        json.key("signal")
        json.integer(run.signal)
        json.key("started_at")
        json.string(run.startedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("status")
        json.string(run.status.rawValue)
        json.key("worker_pid")
        json.integer(run.workerPID)
        json.endObject()
    }

    /// A page of `GET /jobs/{id}/runs`, newest first: `next_before` is the cursor for the
    /// following page, null on the last.
    static func writePage(_ runs: [Run], nextBefore: Int64?, into json: inout JSONWriter) {
        json.beginObject()
        json.key("next_before")
        json.integer(nextBefore)
        json.key("runs")
        json.beginArray()
        runs.forEach { write($0, into: &json) }
        json.endArray()
        json.endObject()
    }
}
