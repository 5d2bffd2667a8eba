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
    /// When this run's retry (attempt + 1) is due, epoch ms: set by the update that records a
    /// failed, timed-out or lost end (RetryPolicy), cleared when the retry is claimed.
    public var retryAt: Int64? = nil
    /// A claimed run of a `replace` job: the job's runs unfinished on other nodes when it was
    /// claimed (run id → node id), which their nodes are asked to cancel.
    public var replaces: [Int64: String] = [:]
}

/// A tick claimed (or to be claimed) for one attempt.
public struct TickClaim: Hashable, Sendable {
    public let jobID: Int64
    public let scheduledAt: Int64
    public let attempt: Int
}

/// A retry recorded in the store: run `runID` ended failed, timed out or lost, and `claim` (its
/// tick, the next attempt) is due at `dueAt` (epoch ms). Any node owning the job may take it.
public struct StoredRetry: Equatable, Sendable {
    public let runID: Int64
    public let claim: TickClaim
    public let dueAt: Int64
}
