// Run: one execution of a job's tick (a row of job_run), as the API shows it.
public struct Run: Equatable, Sendable {
    public enum Status: String, Sendable {
        case pending, running, succeeded, failed
        case timedOut = "timed_out"
        case lost, skipped, cancelled
    }

    public let id: Int64
    public let jobID: Int64
    public let scheduledAt: Int64
    public let attempt: Int
    public var nodeID: String?
    public var workerPID: Int32?
    public var status: Status
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var exitCode: Int32?
    public var signal: Int32?
    public var output: String
    public var outputTruncated: Bool
    /// The script's peak resident memory and CPU time, from wait4 (nil until it finished).
    public var maxRSSKilobytes: Int? = nil
    public var cpuUserMilliseconds: Int64? = nil
    public var cpuSystemMilliseconds: Int64? = nil
}

/// A tick claimed (or to be claimed) for one attempt.
public struct TickClaim: Hashable, Sendable {
    public let jobID: Int64
    public let scheduledAt: Int64
    public let attempt: Int
}
