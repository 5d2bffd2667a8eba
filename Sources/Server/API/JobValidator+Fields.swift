// JobValidator+Fields: the table of writable job fields, one row each: its name, and how its
// JSON value is read (by `FieldInput`, which names the field in every error) into the draft.
// The list of writable fields (unknown-field errors, what PATCH takes) is this table's names,
// so adding a field is adding a row. The README's "Job fields" table mirrors these rows.
extension JobValidator {
    struct Field: Sendable {
        let name: String
        let write: @Sendable (FieldInput, inout JobDraft) throws(APIError) -> Void

        init(_ name: String, _ write: @escaping @Sendable (FieldInput, inout JobDraft) throws(APIError) -> Void) {
            self.name = name
            self.write = write
        }
    }

    static let maxNameCharacters = 200
    static let maxDescriptionCharacters = 10_000
    static let maxScriptBytes = 64 * 1024
    static let maxRetries: Int64 = 100
    static let maxFrequencyBytes = 256
    static let maxConcurrency: Int64 = 10_000
    /// `max_memory`, bytes: below 16 MiB the shell and its loader may not even start; 1 TiB is
    /// beyond any machine a run is given.
    static let memoryLimitRange: ClosedRange<Int64> = (16 << 20)...(1 << 40)
    /// `max_cpu`, seconds: a day at most.
    static let cpuLimitRange: ClosedRange<Int64> = 1...86_400
    /// `keep_runs`: runs kept in a job's history (the column's CHECK agrees).
    static let keepRunsRange: ClosedRange<Int64> = 1...1_000_000

    static let fields: [Field] = [
        // Characters as PostgreSQL counts them (code points), so the column's CHECK agrees.
        Field("name") { input, draft throws(APIError) in
            draft.name = try input.text(characters: 1...maxNameCharacters, blank: .refused)
        },
        Field("description") { input, draft throws(APIError) in
            draft.description = input.isNull ? "" : try input.text(characters: 0...maxDescriptionCharacters, blank: .allowed)
        },
        Field("frequency") { input, draft throws(APIError) in
            draft.frequency = try input.frequency(maxBytes: maxFrequencyBytes)
        },
        Field("startdate") { input, draft throws(APIError) in
            draft.startdate = input.isNull ? input.now : try input.timestamp()
        },
        Field("script") { input, draft throws(APIError) in
            draft.script = try input.text(bytes: 1...maxScriptBytes, blank: .refused)
        },
        Field("repeat") { input, draft throws(APIError) in
            draft.repeats = try input.bool()
        },
        Field("timezone") { input, draft throws(APIError) in
            draft.timezone = try input.timeZone()
        },
        Field("timeout") { input, draft throws(APIError) in
            if input.isNull {
                draft.timeoutMilliseconds = nil  // no limit
            } else {
                let timeout = try input.duration()
                guard timeout > 0 else { throw input.invalid("must be positive (or null for no limit)") }
                draft.timeoutMilliseconds = timeout
            }
        },
        Field("retries") { input, draft throws(APIError) in
            draft.retries = Int(try input.integer(in: 0...maxRetries))
        },
        Field("retry_backoff") { input, draft throws(APIError) in
            draft.retryBackoffMilliseconds = try input.duration()
        },
        Field("concurrency") { input, draft throws(APIError) in
            draft.concurrency = try input.choice(JobDraft.Concurrency.self)
        },
        Field("misfire") { input, draft throws(APIError) in
            draft.misfire = try input.choice(JobDraft.Misfire.self)
        },
        Field("paused") { input, draft throws(APIError) in
            draft.paused = try input.bool()
        },
        Field("max_concurrency") { input, draft throws(APIError) in
            draft.maxConcurrency = input.isNull ? nil : Int(try input.integer(in: 1...maxConcurrency))
        },
        Field("run_as") { input, draft throws(APIError) in
            draft.runAs = input.isNull ? nil : try input.allowedUser()
        },
        Field("max_memory") { input, draft throws(APIError) in
            draft.maxMemoryBytes = input.isNull ? nil : try input.integer(in: memoryLimitRange)
        },
        Field("max_cpu") { input, draft throws(APIError) in
            draft.maxCPUSeconds = input.isNull ? nil : try input.integer(in: cpuLimitRange)
        },
        Field("keep_runs") { input, draft throws(APIError) in
            draft.keepRuns = input.isNull ? nil : Int(try input.integer(in: keepRunsRange))
        },
    ]

    static let fieldsByName: [String: Field] = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })

    /// The writable field names, sorted (for messages).
    static let writableFields: [String] = fields.map(\.name).sorted()
}
