// JobFieldOptions: the job fields as flags of `dsched jobs add` and `dsched jobs edit`, and the
// request body they make with a file (`-f`): the file's fields, then the flags over them, then
// `--unset` fields as null. Only what was given is sent, so `edit` PATCHes just those fields.
// Values go as the API takes them (README "Job fields"): durations and schedules as strings
// the server parses, counts as integers; the server validates and names a bad field.
import ArgumentParser

public struct JobFieldOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("A JSON (.json) or YAML file of job fields; - reads stdin.", valueName: "file"))
    public var file: String?

    @Option(help: "The job's name.")
    public var name: String?

    @Option(help: "The frequency: milliseconds, a duration (30s, 1h30m), cron (\"*/5 * * * *\") or a macro (@daily).")
    public var schedule: String?

    @Option(help: "The shell script, run with /bin/sh -c.")
    public var script: String?

    @Option(help: "The IANA time zone cron fields are read in (default UTC).")
    public var timezone: String?

    @Option(help: "A description.")
    public var description: String?

    @Option(help: ArgumentHelp("The start of the schedule, RFC 3339.", valueName: "time"))
    public var start: String?

    @Option(help: "Stop a run after this long (milliseconds or a duration).")
    public var timeout: String?

    @Option(help: "Retries of a failed run (0-100).")
    public var retries: Int64?

    @Option(name: .customLong("retry-backoff"), help: "The first retry's delay (doubles per attempt).")
    public var retryBackoff: String?

    @Option(help: "allow, forbid or replace: what a tick does while a run is live.")
    public var concurrency: String?

    @Option(help: "run_once, skip or run_all: ticks missed while no node could fire them.")
    public var misfire: String?

    @Option(name: .customLong("max-concurrency"), help: "Runs of this job live at once.")
    public var maxConcurrency: Int64?

    @Option(name: .customLong("run-as"), help: "The user its scripts run as (one of the node's --allowed-users).")
    public var runAs: String?

    @Option(name: .customLong("max-memory"), help: "Bytes each process of a run may map.")
    public var maxMemory: Int64?

    @Option(name: .customLong("max-cpu"), help: "CPU seconds each process of a run may use.")
    public var maxCPU: Int64?

    @Option(name: .customLong("keep-runs"), help: "Runs of this job kept in its history (newest first).")
    public var keepRuns: Int64?

    @Flag(inversion: .prefixedNo, help: "Repeat (default) or run only the first tick.")
    public var `repeat`: Bool?

    @Flag(inversion: .prefixedNo, help: "Create or set the job paused (or not).")
    public var paused: Bool?

    @Option(help: ArgumentHelp("Send a field as null (its default), e.g. --unset timeout; repeatable.", valueName: "field"))
    public var unset: [String] = []

    public init() {}

    /// The fields given as flags, by their API names.
    public var flagFields: [String: BodyValue] {
        var fields: [String: BodyValue] = [:]
        let texts: [(String, String?)] = [
            ("name", name), ("frequency", schedule), ("script", script), ("timezone", timezone),
            ("description", description), ("startdate", start), ("timeout", timeout),
            ("retry_backoff", retryBackoff), ("concurrency", concurrency), ("misfire", misfire), ("run_as", runAs),
        ]
        for case let (key, value?) in texts { fields[key] = .string(value) }
        let integers: [(String, Int64?)] = [
            ("retries", retries), ("max_concurrency", maxConcurrency), ("max_memory", maxMemory),
            ("max_cpu", maxCPU), ("keep_runs", keepRuns),
        ]
        for case let (key, value?) in integers { fields[key] = .integer(value) }
        if let `repeat` { fields["repeat"] = .bool(`repeat`) }
        if let paused { fields["paused"] = .bool(paused) }
        for key in unset { fields[key] = .null }
        return fields
    }

    /// The request body: the file's content (already read, `nil` without `-f`) with the flags
    /// over it. An array file (several jobs) takes no flags; `allowsArray` is false for edit.
    public func body(file content: BodyValue?, allowsArray: Bool) throws(ClientError) -> BodyValue {
        let flags = flagFields
        switch content {
        case nil:
            guard !flags.isEmpty else { throw .usage("give job fields as flags (--name, --schedule, --script, ...) or a file (-f job.yaml)") }
            return .object(flags)
        case .object(var fields)?:
            fields.merge(flags) { $1 }
            return .object(fields)
        case .array(let items)? where allowsArray:
            guard flags.isEmpty else { throw .usage("\(file ?? "the file") holds several jobs: flags cannot be added to them") }
            return .array(items)
        case .array?:
            throw .usage("\(file ?? "the file") must hold one object of job fields, not an array")
        default:
            throw .usage("\(file ?? "the file") must hold an object of job fields\(allowsArray ? " or an array of them" : "")")
        }
    }
}
