// JobDraft: a job's definition once validated, before it has an id — what the API hands the
// store to insert, and what PATCH re-validates.
public struct JobDraft: Equatable, Sendable {
    public enum Concurrency: String, CaseIterable, Sendable {
        /// Runs may overlap.
        case allow
        /// A tick that finds a live run is recorded `skipped`.
        case forbid
        /// A tick that finds a live run stops it and starts anew.
        case replace
    }

    public enum Misfire: String, CaseIterable, Sendable {
        /// Ticks missed while no node could fire them run once, late.
        case runOnce = "run_once"
        /// Missed ticks are skipped.
        case skip
        /// Every missed tick runs (bounded).
        case runAll = "run_all"
    }

    public var name: String
    public var description = ""
    /// The frequency as the user wrote it: digits for milliseconds, else a duration or cron text.
    public var frequency: String
    /// Start of the schedule, in milliseconds since the Unix epoch.
    public var startdate: Int64
    public var script: String
    public var repeats = true
    public var timezone = "UTC"
    /// Milliseconds a run may take before it is stopped; nil for no limit.
    public var timeoutMilliseconds: Int64?
    public var retries = 0
    public var retryBackoffMilliseconds: Int64 = 1000
    public var concurrency = Concurrency.allow
    public var misfire = Misfire.runOnce
    public var paused = false
    /// Runs of this job on its owner's workers at once; nil: the node's `--max-running-per-job`.
    public var maxConcurrency: Int?
    /// The user its scripts run as (one of the node's `--allowed-users`); nil: the node's.
    public var runAs: String?
    /// Bytes of address space each process of a run may map (RLIMIT_AS); nil: no limit.
    public var maxMemoryBytes: Int64?
    /// CPU seconds each process of a run may use (RLIMIT_CPU); nil: no limit.
    public var maxCPUSeconds: Int64?
    /// Runs of this job kept in its history, newest first (retention prunes the older ones);
    /// nil: the node's `--max-runs-per-job`.
    public var keepRuns: Int?

    public init(name: String, frequency: String, startdate: Int64, script: String) {
        self.name = name
        self.frequency = frequency
        self.startdate = startdate
        self.script = script
    }

    /// The tick sequence this definition describes. Valid drafts never throw here: the
    /// validator built them by the same calls.
    public func fireTimes() throws -> FireTimes {
        try FireTimes(schedule: ScheduleCache.schedule(frequency), start: startdate, repeats: repeats, zone: ZoneRules.named(timezone))
    }
}
