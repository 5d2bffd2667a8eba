// WorkerMessage+Frame: each message as a Frame and back, in a compact binary layout.
//
// Binary, not JSON: a few frames cross the channel per run, on the master's loop, which fires
// every job of the node; Foundation's JSON coders cost microseconds per frame there and carry
// field names. The frame's kind says which message it is; its payload is the message's fields in
// this fixed order (WireWriter: integers little-endian, `?` = presence byte then value, strings
// = UInt32 byte count then UTF-8; Int fields travel as Int64):
//
//     1 run       runID i64, jobID i64, jobName str, attempt i64, scheduledAt str, script str,
//                 timeoutMilliseconds i64?, outputLimit i64, runAs str?, maxMemoryBytes i64?,
//                 maxCPUSeconds i64?
//     2 cancel    runID i64
//     3 started   runID i64, pid i32, startedAt i64
//     4 finished  runID i64, exitCode i32?, signal i32?, timedOut bool, cancelled bool,
//                 startedAt i64, finishedAt i64, output str, outputTruncated bool,
//                 maxRSSKilobytes i64, cpuUserMilliseconds i64, cpuSystemMilliseconds i64, error str?
//     5 stats     rssKilobytes i64, cpuMilliseconds i64, running i64
//     6 stop      (empty)
//     7 ping      (empty)
//     8 pong      (empty)
//
// Any change to a layout bumps `Frame.version`. Decoding checks every byte: a payload too short
// for its fields, a flag that is not 0 or 1, text that is not UTF-8, or bytes left over is a
// WorkerMessageError.
extension WorkerMessage {
    private enum Kind: UInt8 {
        case run = 1, cancel, started, finished, stats, stop, ping, pong
    }

    public func frame() -> Frame {
        switch self {
        case .run(let request):
            var writer = WireWriter(capacity: 64 + request.jobName.utf8.count + request.script.utf8.count
                + (request.runAs?.utf8.count ?? 0))
            writer.integer(request.runID)
            writer.integer(request.jobID)
            writer.string(request.jobName)
            writer.integer(Int64(request.attempt))
            writer.string(request.scheduledAt)
            writer.string(request.script)
            writer.integer(request.timeoutMilliseconds)
            writer.integer(Int64(request.outputLimit))
            writer.string(request.runAs)
            writer.integer(request.maxMemoryBytes)
            writer.integer(request.maxCPUSeconds)
            return Frame(kind: Kind.run.rawValue, payload: writer.bytes)
        case .cancel(let runID):
            var writer = WireWriter()
            writer.integer(runID)
            return Frame(kind: Kind.cancel.rawValue, payload: writer.bytes)
        case .started(let runID, let pid, let startedAt):
            var writer = WireWriter()
            writer.integer(runID)
            writer.integer(pid)
            writer.integer(startedAt)
            return Frame(kind: Kind.started.rawValue, payload: writer.bytes)
        case .finished(let result):
            var writer = WireWriter(capacity: 80 + result.output.utf8.count + (result.error?.utf8.count ?? 0))
            writer.integer(result.runID)
            writer.integer(result.exitCode)
            writer.integer(result.signal)
            writer.bool(result.timedOut)
            writer.bool(result.cancelled)
            writer.integer(result.startedAt)
            writer.integer(result.finishedAt)
            writer.string(result.output)
            writer.bool(result.outputTruncated)
            writer.integer(Int64(result.maxRSSKilobytes))
            writer.integer(result.cpuUserMilliseconds)
            writer.integer(result.cpuSystemMilliseconds)
            writer.string(result.error)
            return Frame(kind: Kind.finished.rawValue, payload: writer.bytes)
        case .stats(let stats):
            var writer = WireWriter()
            writer.integer(Int64(stats.rssKilobytes))
            writer.integer(stats.cpuMilliseconds)
            writer.integer(Int64(stats.running))
            return Frame(kind: Kind.stats.rawValue, payload: writer.bytes)
        case .stop:
            return Frame(kind: Kind.stop.rawValue, payload: [])
        case .ping:
            return Frame(kind: Kind.ping.rawValue, payload: [])
        case .pong:
            return Frame(kind: Kind.pong.rawValue, payload: [])
        }
    }

    public init(frame: Frame) throws(WorkerMessageError) {
        guard let kind = Kind(rawValue: frame.kind) else { throw .unknownKind(frame.kind) }
        var reader = WireReader(frame.payload, kind: frame.kind)
        switch kind {
        case .run:
            self = .run(RunRequest(
                runID: try reader.integer("runID"), jobID: try reader.integer("jobID"), jobName: try reader.string("jobName"),
                attempt: Int(try reader.integer("attempt", as: Int64.self)), scheduledAt: try reader.string("scheduledAt"),
                script: try reader.string("script"), timeoutMilliseconds: try reader.optionalInteger("timeoutMilliseconds"),
                outputLimit: Int(try reader.integer("outputLimit", as: Int64.self)), runAs: try reader.optionalString("runAs"),
                maxMemoryBytes: try reader.optionalInteger("maxMemoryBytes"), maxCPUSeconds: try reader.optionalInteger("maxCPUSeconds")))
        case .cancel:
            self = .cancel(runID: try reader.integer("runID"))
        case .started:
            self = .started(runID: try reader.integer("runID"), pid: try reader.integer("pid"),
                            startedAt: try reader.integer("startedAt"))
        case .finished:
            self = .finished(RunResult(
                runID: try reader.integer("runID"), exitCode: try reader.optionalInteger("exitCode"),
                signal: try reader.optionalInteger("signal"), timedOut: try reader.bool("timedOut"),
                cancelled: try reader.bool("cancelled"), startedAt: try reader.integer("startedAt"),
                finishedAt: try reader.integer("finishedAt"), output: try reader.string("output"),
                outputTruncated: try reader.bool("outputTruncated"),
                maxRSSKilobytes: Int(try reader.integer("maxRSSKilobytes", as: Int64.self)),
                cpuUserMilliseconds: try reader.integer("cpuUserMilliseconds"),
                cpuSystemMilliseconds: try reader.integer("cpuSystemMilliseconds"), error: try reader.optionalString("error")))
        case .stats:
            self = .stats(WorkerStats(
                rssKilobytes: Int(try reader.integer("rssKilobytes", as: Int64.self)),
                cpuMilliseconds: try reader.integer("cpuMilliseconds"),
                running: Int(try reader.integer("running", as: Int64.self))))
        case .stop:
            self = .stop
        case .ping:
            self = .ping
        case .pong:
            self = .pong
        }
        try reader.finish()
    }
}
