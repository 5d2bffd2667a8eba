// JobJSON: a job as the API shows it, written with JSONWriter. Keys are alphabetical; times
// are RFC 3339 UTC; durations are milliseconds; `frequency` comes back as it was given (a
// number of milliseconds stays a number).
enum JobJSON {
    /// The `owner` field: shown by GET /jobs/{id} only, as the owning node's id, or null while
    /// the job waits for an owner; left out when Redis cannot say.
    enum Owner {
        case omitted
        case waiting
        case node(String)
    }

    /// What GET /jobs/{id} alone adds: the latest run, and the ticks missed in the last 24 h
    /// (TicksAPI.detail).
    struct Detail {
        var lastRun: Run?
        var missedTicks24h: Int
    }

    static func write(_ job: Job, nextRunAt: Int64?, owner: Owner = .omitted, detail: Detail? = nil, into json: inout JSONWriter) {
        let draft = job.definition
        let createdAt = RFC3339.format(milliseconds: job.createdAt)
        json.beginObject()
        json.key("concurrency")
        json.string(draft.concurrency.rawValue)
        json.key("created_at")
        json.string(createdAt)
        json.key("description")
        json.string(draft.description)
        json.key("done")
        json.bool(job.done)
        json.key("frequency")
        if let milliseconds = Int64(draft.frequency) {
            json.integer(milliseconds)
        } else {
            json.string(draft.frequency)
        }
        json.key("id")
        json.integer(job.id)
        json.key("keep_runs")
        json.integer(draft.keepRuns)
        if let detail {
            json.key("last_run")
            writeLastRun(detail.lastRun, into: &json)
        }
        json.key("max_concurrency")
        json.integer(draft.maxConcurrency)
        json.key("max_cpu")
        json.integer(draft.maxCPUSeconds)
        json.key("max_memory")
        json.integer(draft.maxMemoryBytes)
        json.key("misfire")
        json.string(draft.misfire.rawValue)
        if let detail {
            json.key("missed_ticks_24h")
            json.integer(detail.missedTicks24h)
        }
        json.key("name")
        json.string(draft.name)
        json.key("next_run_at")
        json.string(nextRunAt.map { RFC3339.format(milliseconds: $0) })
        switch owner {
        case .omitted:
            break
        case .waiting:
            json.key("owner")
            json.null()
        case .node(let node):
            json.key("owner")
            json.string(node)
        }
        json.key("paused")
        json.bool(draft.paused)
        json.key("repeat")
        json.bool(draft.repeats)
        json.key("retries")
        json.integer(draft.retries)
        json.key("retry_backoff")
        json.integer(draft.retryBackoffMilliseconds)
        json.key("run_as")
        json.string(draft.runAs)
        json.key("script")
        json.string(draft.script)
        json.key("startdate")
        json.string(RFC3339.format(milliseconds: draft.startdate))
        json.key("timeout")
        json.integer(draft.timeoutMilliseconds)
        json.key("timezone")
        json.string(draft.timezone)
        json.key("updated_at")
        json.string(job.updatedAt == job.createdAt ? createdAt : RFC3339.format(milliseconds: job.updatedAt))
        json.key("version")
        json.integer(job.version)
        json.endObject()
    }

    /// `last_run`: the job's newest run, or null.
    private static func writeLastRun(_ run: Run?, into json: inout JSONWriter) {
        guard let run else { return json.null() }
        json.beginObject()
        json.key("finished_at")
        json.string(run.finishedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("id")
        json.integer(run.id)
        json.key("scheduled_at")
        json.string(RFC3339.format(milliseconds: run.scheduledAt))
        json.key("started_at")
        json.string(run.startedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("status")
        json.string(run.status.rawValue)
        json.endObject()
    }

    /// A page of `GET /jobs`: `next_after` is the cursor for the following page, null on the last.
    static func writePage(_ jobs: [(Job, Int64?)], nextAfter: Int64?, into json: inout JSONWriter) {
        json.beginObject()
        json.key("jobs")
        json.beginArray()
        for (job, nextRun) in jobs {
            write(job, nextRunAt: nextRun, into: &json)
        }
        json.endArray()
        json.key("next_after")
        json.integer(nextAfter)
        json.endObject()
    }
}
