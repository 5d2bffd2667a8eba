// WorkerMessage: what master and worker say to each other, one message per Frame.
//
// The frame's kind says which message it is; the payload is the message as JSON (a few
// messages per run: their cost is nothing beside spawning a process). Times are epoch
// milliseconds.
import Foundation

public enum WorkerMessage: Equatable, Sendable {
    /// master → worker: run a script.
    case run(RunRequest)
    /// master → worker: stop a run (TERM to its process group, KILL after the grace period).
    case cancel(runID: Int64)
    /// worker → master: the script's process exists.
    case started(runID: Int64, pid: Int32, startedAt: Int64)
    /// worker → master: the script is over (or could not start).
    case finished(RunResult)
    /// worker → master, every second: the worker's own footprint.
    case stats(WorkerStats)

    public struct RunRequest: Codable, Equatable, Sendable {
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

        public init(runID: Int64, jobID: Int64, jobName: String, attempt: Int, scheduledAt: String, script: String,
                    timeoutMilliseconds: Int64?, outputLimit: Int) {
            self.runID = runID
            self.jobID = jobID
            self.jobName = jobName
            self.attempt = attempt
            self.scheduledAt = scheduledAt
            self.script = script
            self.timeoutMilliseconds = timeoutMilliseconds
            self.outputLimit = outputLimit
        }
    }

    public struct RunResult: Codable, Equatable, Sendable {
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

    public struct WorkerStats: Codable, Equatable, Sendable {
        public var rssKilobytes: Int
        public var cpuMilliseconds: Int64
        public var running: Int

        public init(rssKilobytes: Int, cpuMilliseconds: Int64, running: Int) {
            self.rssKilobytes = rssKilobytes
            self.cpuMilliseconds = cpuMilliseconds
            self.running = running
        }
    }

    private enum Kind: UInt8 {
        case run = 1, cancel, started, finished, stats
    }

    private struct CancelPayload: Codable { var runID: Int64 }
    private struct StartedPayload: Codable { var runID: Int64; var pid: Int32; var startedAt: Int64 }

    public func frame() throws -> Frame {
        let encoder = JSONEncoder()
        switch self {
        case .run(let request):
            return Frame(kind: Kind.run.rawValue, payload: Array(try encoder.encode(request)))
        case .cancel(let runID):
            return Frame(kind: Kind.cancel.rawValue, payload: Array(try encoder.encode(CancelPayload(runID: runID))))
        case .started(let runID, let pid, let startedAt):
            return Frame(kind: Kind.started.rawValue,
                         payload: Array(try encoder.encode(StartedPayload(runID: runID, pid: pid, startedAt: startedAt))))
        case .finished(let result):
            return Frame(kind: Kind.finished.rawValue, payload: Array(try encoder.encode(result)))
        case .stats(let stats):
            return Frame(kind: Kind.stats.rawValue, payload: Array(try encoder.encode(stats)))
        }
    }

    public init(frame: Frame) throws {
        let decoder = JSONDecoder()
        let data = Data(frame.payload)
        switch Kind(rawValue: frame.kind) {
        case .run: self = .run(try decoder.decode(RunRequest.self, from: data))
        case .cancel: self = .cancel(runID: try decoder.decode(CancelPayload.self, from: data).runID)
        case .started:
            let started = try decoder.decode(StartedPayload.self, from: data)
            self = .started(runID: started.runID, pid: started.pid, startedAt: started.startedAt)
        case .finished: self = .finished(try decoder.decode(RunResult.self, from: data))
        case .stats: self = .stats(try decoder.decode(WorkerStats.self, from: data))
        case nil: throw WorkerMessageError.unknownKind(frame.kind)
        }
    }
}

public enum WorkerMessageError: Error, Equatable, CustomStringConvertible {
    case unknownKind(UInt8)

    public var description: String {
        switch self {
        case .unknownKind(let kind): return "unknown worker message kind \(kind)"
        }
    }
}
