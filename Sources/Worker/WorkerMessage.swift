// WorkerMessage: what master and worker say to each other, one message per Frame.
//
// The frame's kind says which message it is; the payload holds the message's fields in a fixed
// binary layout (WorkerMessage+Frame.swift). Times are epoch milliseconds.

public enum WorkerMessage: Equatable, Sendable {
    /// master → worker: run a script.
    case run(RunRequest)
    /// master → worker: stop a run (TERM to its process group, KILL after the grace period).
    case cancel(runID: Int64)
    /// master → worker: stop every run (KILL to their process groups) and exit, as on SIGTERM.
    /// The first stage of the master's staged stop.
    case stop
    /// worker → master: the script's process exists.
    case started(runID: Int64, pid: Int32, startedAt: Int64)
    /// worker → master: the script is over (or could not start).
    case finished(RunResult)
    /// worker → master, every second: the worker's own footprint.
    case stats(WorkerStats)
    /// master → worker, every second: the master is alive (the worker's fence counts from the
    /// last frame it received); the worker answers `pong`.
    case ping
    /// worker → master: the answer to `ping` (the master's `--worker-timeout` counts from the
    /// last frame it received).
    case pong

    public struct RunRequest: Equatable, Sendable {
        public var runID: Int64
        public var jobID: Int64
        public var jobName: String
        public var attempt: Int
        /// The tick, as RFC 3339 text for the script's DSCHED_SCHEDULED_AT.
        public var scheduledAt: String
        public var script: String
        public var timeoutMilliseconds: Int64?
        /// Bytes of output (stdout and stderr together) kept: the tail.
        public var outputLimit: Int
        /// The job's `run_as` user; nil: the node's (RunAsPolicy).
        public var runAs: String?
        /// The job's `max_memory`: bytes of address space each of the run's processes may map
        /// (RLIMIT_AS); nil: no limit (RunLimits).
        public var maxMemoryBytes: Int64?
        /// The job's `max_cpu`: CPU seconds each of the run's processes may use (RLIMIT_CPU);
        /// nil: no limit (RunLimits).
        public var maxCPUSeconds: Int64?

        public init(runID: Int64, jobID: Int64, jobName: String, attempt: Int, scheduledAt: String, script: String,
                    timeoutMilliseconds: Int64?, outputLimit: Int, runAs: String? = nil, maxMemoryBytes: Int64? = nil,
                    maxCPUSeconds: Int64? = nil) {
            self.runID = runID
            self.jobID = jobID
            self.jobName = jobName
            self.attempt = attempt
            self.scheduledAt = scheduledAt
            self.script = script
            self.timeoutMilliseconds = timeoutMilliseconds
            self.outputLimit = outputLimit
            self.runAs = runAs
            self.maxMemoryBytes = maxMemoryBytes
            self.maxCPUSeconds = maxCPUSeconds
        }
    }

    public struct RunResult: Equatable, Sendable {
        public var runID: Int64
        /// Exit status when the script exited; nil when a signal ended it or it never started.
        public var exitCode: Int32?
        /// The signal that ended it, if one did.
        public var signal: Int32?
        public var timedOut: Bool
        public var cancelled: Bool
        public var startedAt: Int64
        public var finishedAt: Int64
        public var output: String
        public var outputTruncated: Bool
        public var maxRSSKilobytes: Int
        public var cpuUserMilliseconds: Int64
        public var cpuSystemMilliseconds: Int64
        /// Why the script could not be started (spawn failure), if it could not.
        public var error: String?

        public init(runID: Int64, exitCode: Int32?, signal: Int32?, timedOut: Bool, cancelled: Bool, startedAt: Int64,
                    finishedAt: Int64, output: String, outputTruncated: Bool, maxRSSKilobytes: Int,
                    cpuUserMilliseconds: Int64, cpuSystemMilliseconds: Int64, error: String?) {
            self.runID = runID
            self.exitCode = exitCode
            self.signal = signal
            self.timedOut = timedOut
            self.cancelled = cancelled
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.output = output
            self.outputTruncated = outputTruncated
            self.maxRSSKilobytes = maxRSSKilobytes
            self.cpuUserMilliseconds = cpuUserMilliseconds
            self.cpuSystemMilliseconds = cpuSystemMilliseconds
            self.error = error
        }
    }

    public struct WorkerStats: Equatable, Sendable {
        public var rssKilobytes: Int
        public var cpuMilliseconds: Int64
        public var running: Int

        public init(rssKilobytes: Int, cpuMilliseconds: Int64, running: Int) {
            self.rssKilobytes = rssKilobytes
            self.cpuMilliseconds = cpuMilliseconds
            self.running = running
        }
    }
}
