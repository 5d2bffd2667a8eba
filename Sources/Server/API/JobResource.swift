// JobResource: a job as the API shows it. Times are RFC 3339 UTC; durations are milliseconds;
// `frequency` comes back as it was given (a number of milliseconds stays a number).
struct JobResource: Encodable {
    let job: Job
    let nextRunAt: Int64?

    private enum Key: String, CodingKey {
        case id, name, description, frequency, startdate, script, `repeat`, timezone, timeout, retries
        case retryBackoff = "retry_backoff", concurrency, misfire, paused, done
        case createdAt = "created_at", updatedAt = "updated_at", version, nextRunAt = "next_run_at"
    }

    func encode(to encoder: Encoder) throws {
        let draft = job.definition
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(draft.name, forKey: .name)
        try container.encode(draft.description, forKey: .description)
        if let milliseconds = Int64(draft.frequency) {
            try container.encode(milliseconds, forKey: .frequency)
        } else {
            try container.encode(draft.frequency, forKey: .frequency)
        }
        try container.encode(RFC3339.format(milliseconds: draft.startdate), forKey: .startdate)
        try container.encode(draft.script, forKey: .script)
        try container.encode(draft.repeats, forKey: .repeat)
        try container.encode(draft.timezone, forKey: .timezone)
        try container.encode(draft.timeoutMilliseconds, forKey: .timeout)
        try container.encode(draft.retries, forKey: .retries)
        try container.encode(draft.retryBackoffMilliseconds, forKey: .retryBackoff)
        try container.encode(draft.concurrency.rawValue, forKey: .concurrency)
        try container.encode(draft.misfire.rawValue, forKey: .misfire)
        try container.encode(draft.paused, forKey: .paused)
        try container.encode(job.done, forKey: .done)
        try container.encode(RFC3339.format(milliseconds: job.createdAt), forKey: .createdAt)
        try container.encode(RFC3339.format(milliseconds: job.updatedAt), forKey: .updatedAt)
        try container.encode(job.version, forKey: .version)
        try container.encode(nextRunAt.map { RFC3339.format(milliseconds: $0) }, forKey: .nextRunAt)
    }
}

/// A page of `GET /jobs`: `next_after` is the cursor for the following page, null on the last.
struct JobPage: Encodable {
    let jobs: [JobResource]
    let nextAfter: Int64?

    private enum CodingKeys: String, CodingKey {
        case jobs
        case nextAfter = "next_after"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(nextAfter, forKey: .nextAfter)
    }
}
