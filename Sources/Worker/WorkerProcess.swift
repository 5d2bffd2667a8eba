// WorkerProcess: the main loop of `dsched worker`, the process the master spawns to run scripts.
//
// Everything happens on one isolated libev loop: the channel to the master, the scripts'
// pipes and timers, SIGCHLD and SIGTERM. An isolated loop leaves SIGCHLD to us, so the worker
// reaps its scripts itself with wait4, which also yields their resource usage. Runs start in
// the order they arrive, at most `maxConcurrent` at once; the rest wait (RunQueue).
//
// Every process a run starts ends with it. ScriptRun kills the run's process group when it
// ends; what left the group (setsid) is re-parented to the worker, a child subreaper
// (PR_SET_CHILD_SUBREAPER), once its parent exits. The worker's only children of its own are
// its running scripts' shells, so any other child is left over from an ended run: within
// 100 ms of a run's end (one /proc scan covers every run that ended meanwhile), each such child
// gets SIGKILL, and every one that exits is reaped here. (A daemon that escaped a run still
// running is killed at the next sweep too: it is no script's.) With `--cgroup`, each run has a
// cgroup of its own (WorkerCgroup, RunCgroup), killed and removed as the run ends, whatever
// its processes did: the sweep also retries the removals the kernel refused while the killed
// processes were still exiting. The worker's cgroup directory is removed at its exit.
//
// The worker stops when the master asks (a `stop` message, the first stage of its staged stop)
// or sends SIGTERM, and never outlives its master: a parent-death signal (SIGTERM too), and EOF
// on the channel. Nor does it outlast a master that is alive but silent (stopped, hung): the
// master pings every second, the worker answers each ping (`pong`), and a worker that has heard
// nothing for `fenceSeconds` fences itself (ChannelLiveness) — by then that master's runs may
// be recorded lost and retried elsewhere, so they must not go on here. Every way, every running
// script's process group (and cgroup) and every left-over child gets SIGKILL and the loop ends. A start that cannot succeed (an unusable channel fd) exits with WorkerExitCode.fatal.
import CEventLoop
import EventLoop
import Foundation
import Glibc
import Logging

public enum WorkerProcessError: Error, Equatable, CustomStringConvertible {
    /// The parent exited before the worker could ask to die with it.
    case orphaned
    /// The channel fd is not an open descriptor (fatal: see WorkerExitCode).
    case badChannel(fd: Int32, errno: Int32)
    /// prctl(PR_SET_CHILD_SUBREAPER) failed.
    case subreaper(errno: Int32)

    public var description: String {
        switch self {
        case .orphaned: return "the master exited while the worker was starting"
        case .badChannel(let fd, let code): return "channel fd \(fd) is unusable: \(String(cString: strerror(code)))"
        case .subreaper(let code): return "could not become a child subreaper: \(String(cString: strerror(code)))"
        }
    }
}

public final class WorkerProcess {
    public struct Configuration: Sendable {
        /// The inherited socketpair end to the master.
        public var fd: Int32 = 3
        public var maxConcurrent = 16
        /// Seconds between TERM and KILL when a run times out or is cancelled.
        public var graceSeconds = 5.0
        /// The user each script runs as: the job's `run_as` when allowed, else the node's.
        public var runAs = RunAsPolicy()
        /// The node's `--cgroup` directory, under which the worker makes its own; nil: no cgroups.
        public var cgroup: String?
        /// Seconds without a frame from the master after which the worker kills its runs and
        /// exits (its fence; Supervisor.Configuration.fenceSeconds).
        public var fenceSeconds = 5.0

        public init() {}
    }

    private let configuration: Configuration
    let reactor: Reactor
    let logger: Logger
    /// The scripts' environment before the run's own DSCHED_* variables.
    private let environment: [String: String]
    private var channel: WorkerChannel!
    private var signalWatchers: [SignalWatcher] = []
    private var statsTimer: TimerWatcher!
    /// The master's silence, checked every `fenceCheckInterval`.
    var master: ChannelLiveness
    private var fenceTimer: TimerWatcher!
    /// Armed when a run ends: kills the children no running script owns (see the top).
    private var leftoverSweep: TimerWatcher!
    /// The worker's cgroup directory (`--cgroup`); nil without.
    private let cgroups: WorkerCgroup?
    var running: [Int64: ScriptRun] = [:]
    private var runIDsByPID: [pid_t: Int64] = [:]
    var waiting = RunQueue()
    /// Why the loop is ending: nil while it runs.
    var stopReason: StopReason?
    var stopping: Bool { stopReason != nil }

    /// Seconds from a run's end to the sweep for the processes it left behind.
    private static let leftoverSweepDelay = 0.1
    /// Sweeps in a row that must find no child before a stopping worker exits.
    static let finalQuietSweeps = 3
    /// Seconds between checks of the master's silence.
    private static let fenceCheckInterval = 0.25

    /// Sets the worker up: parent-death signal, child subreaper, channel, signals, stats timer.
    /// Nothing runs until `run()`.
    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        environment = ProcessInfo.processInfo.environment
        let parent = getppid()
        try ParentDeathSignal.arm(SIGTERM)
        // The parent may have died before the signal was armed: then we were re-parented.
        guard getppid() == parent else { throw WorkerProcessError.orphaned }
        guard dsched_set_child_subreaper() == 0 else { throw WorkerProcessError.subreaper(errno: errno) }
        try Self.prepareChannel(configuration.fd)
        cgroups = try configuration.cgroup.map { root throws(CgroupError) in try WorkerCgroup(root: root, logger: logger) }
        reactor = try Reactor(isolated: true)
        master = ChannelLiveness(timeout: configuration.fenceSeconds, checkInterval: Self.fenceCheckInterval,
                                 now: reactor.monotonicNow)
        // Ctrl-C in a terminal reaches the whole foreground group, workers included; the master
        // decides what happens to its workers, so the worker ignores it.
        signal(SIGINT, SIG_IGN)
        signalWatchers = [
            SignalWatcher(reactor: reactor, signal: SIGCHLD) { [unowned self] _ in reapScripts() },
            SignalWatcher(reactor: reactor, signal: SIGTERM) { [unowned self] _ in stop(.terminated) },
        ]
        channel = WorkerChannel(fd: configuration.fd, reactor: reactor,
                                onMessage: { [unowned self] in received($0) },
                                onEnd: { [unowned self] in stop(.channelEnded($0)) })
        statsTimer = TimerWatcher(reactor: reactor) { [unowned self] in sendStats() }
        statsTimer.start(after: 1, every: 1)
        leftoverSweep = TimerWatcher(reactor: reactor) { [unowned self] in killLeftovers() }
        fenceTimer = TimerWatcher(reactor: reactor) { [unowned self] in checkMaster() }
        fenceTimer.start(after: Self.fenceCheckInterval, every: Self.fenceCheckInterval)
    }

    /// Runs until the master asks it to stop or goes away, or SIGTERM arrives; throws when the
    /// channel broke (a socket error, or a message that cannot be trusted).
    public func run() throws(WorkerChannelError) {
        logger.info("worker started", metadata: [
            "fd": "\(configuration.fd)", "max_concurrent": "\(configuration.maxConcurrent)",
            "grace_s": "\(configuration.graceSeconds)", "run_as": "\(configuration.runAs.nodeUser?.name ?? "-")",
            "allowed_users": "\(configuration.runAs.allowedUsers.sorted().joined(separator: ","))",
            "cgroup": "\(cgroups?.path ?? "-")", "fence_s": "\(configuration.fenceSeconds)",
        ])
        reactor.run()
        cgroups?.removeAll()
        if case .channelEnded(let end) = stopReason {
            if case .closedByPeer = end { return }
            throw end
        }
    }

    /// Makes the channel nonblocking and keeps it out of the scripts (dup2 onto fd 3 cleared
    /// its close-on-exec flag).
    private static func prepareChannel(_ fd: Int32) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { throw WorkerProcessError.badChannel(fd: fd, errno: errno) }
        guard fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0, fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else {
            throw WorkerProcessError.badChannel(fd: fd, errno: errno)
        }
    }

    private func received(_ message: WorkerMessage) {
        master.heard(at: reactor.monotonicNow)
        switch message {
        case .run(let request):
            guard running[request.runID] == nil, !waiting.contains(runID: request.runID) else {
                logger.error("duplicate run id ignored", metadata: Self.metadata(request))
                return
            }
            waiting.enqueue(request)
            if running.count >= configuration.maxConcurrent {
                logger.debug("run waits for a free slot", metadata: Self.metadata(request).merging(["waiting": "\(waiting.count)"]) { $1 })
            }
            startWaitingRuns()
        case .cancel(let runID):
            if let run = running[runID] {
                run.cancel()
            } else if let request = waiting.remove(runID: runID) {
                // Never started: it finishes at once, cancelled, with no process behind it.
                logger.info("waiting run cancelled", metadata: Self.metadata(request))
                let now = reactor.nowMilliseconds
                channel.send(.finished(WorkerMessage.RunResult(
                    runID: runID, exitCode: nil, signal: nil, timedOut: false, cancelled: true, startedAt: now,
                    finishedAt: now, output: "", outputTruncated: false, maxRSSKilobytes: 0, cpuUserMilliseconds: 0,
                    cpuSystemMilliseconds: 0, error: nil)))
            } else {
                logger.debug("cancel of a run that is not here (already finished?)", metadata: ["run_id": "\(runID)"])
            }
        case .stop:
            stop(.asked)
        case .ping:
            channel.send(.pong)
        case .started, .finished, .stats, .pong:
            // Only a worker sends these: a master that does is out of step with us.
            stop(.channelEnded(.protocolError("the master sent a worker's message: \(message)")))
        }
    }

    /// Starts waiting runs while there are free slots. A run that cannot be spawned is
    /// reported finished, with its error, at once.
    private func startWaitingRuns() {
        while !stopping, running.count < configuration.maxConcurrent, let request = waiting.dequeue() {
            var runLogger = logger
            runLogger[metadataKey: "run_id"] = "\(request.runID)"
            runLogger[metadataKey: "job_id"] = "\(request.jobID)"
            do {
                let user = try configuration.runAs.user(for: request.runAs)
                let run = try ScriptRun.start(request, reactor: reactor, environment: environment,
                                              runAs: user, cgroups: cgroups, graceSeconds: configuration.graceSeconds, logger: runLogger,
                                              onFinished: { [unowned self] in finished($0) })
                running[request.runID] = run
                runIDsByPID[run.pid] = request.runID
                runLogger.debug("run started", metadata: ["pid": "\(run.pid)", "attempt": "\(request.attempt)"])
                channel.send(.started(runID: request.runID, pid: run.pid, startedAt: run.startedAt))
            } catch {
                runLogger.error("run could not start", metadata: ["error": "\(error)"])
                channel.send(.finished(ScriptRun.failure(request, error: error, at: reactor.nowMilliseconds)))
            }
        }
    }

    private func finished(_ result: WorkerMessage.RunResult) {
        guard let run = running.removeValue(forKey: result.runID) else { return }
        runIDsByPID[run.pid] = nil
        run.cgroup.map { cgroups?.retire($0) }
        var metadata: Logger.Metadata = [
            "run_id": "\(result.runID)", "job_id": "\(run.request.jobID)",
            "duration_ms": "\(result.finishedAt - result.startedAt)", "output_bytes": "\(result.output.utf8.count)",
        ]
        if let code = result.exitCode { metadata["exit_code"] = "\(code)" }
        if let signal = result.signal { metadata["signal"] = "\(signal)" }
        if result.timedOut { metadata["timed_out"] = "true" }
        if result.cancelled { metadata["cancelled"] = "true" }
        logger.debug("run finished", metadata: metadata)
        channel.send(.finished(result))
        if !leftoverSweep.isActive {
            leftoverSweep.start(after: Self.leftoverSweepDelay)
        }
        startWaitingRuns()
    }

    /// SIGKILL to every live child that is not a running script's shell (or to every child, when
    /// the worker stops): processes ended runs left behind, re-parented to this subreaper. Their
    /// exits are reaped in `reapScripts`.
    func killLeftovers(sparingScripts: Bool = true) {
        for pid in ChildProcesses.live(of: getpid()) where !sparingScripts || runIDsByPID[pid] == nil {
            logger.info("killing a process an ended run left behind", metadata: ["pid": "\(pid)"])
            kill(pid, SIGKILL)
        }
        if cgroups?.retryRemovals() == true && !stopping {
            leftoverSweep.start(after: Self.leftoverSweepDelay)
        }
    }

    /// Reaps every exited child (one SIGCHLD may stand for several) and finishes their runs.
    private func reapScripts() {
        while true {
            var status: Int32 = 0
            var usage = rusage()
            let pid = wait4(-1, &status, WNOHANG, &usage)
            if pid < 0 && errno == EINTR { continue }
            // 0: the others are still running; -1 (ECHILD): no children left.
            guard pid > 0 else { return }
            guard let runID = runIDsByPID[pid], let run = running[runID] else {
                // A process a run left behind, re-parented to us, now ended.
                logger.debug("reaped a left-over process", metadata: ["pid": "\(pid)"])
                continue
            }
            run.reaped(status: status, usage: usage)
        }
    }

    private func sendStats() {
        // A master that has not read the last figures does not need another set queued.
        guard !channel.hasPendingOutput else { return }
        channel.send(.stats(WorkerMessage.WorkerStats(
            rssKilobytes: ProcessFootprint.residentKilobytes(), cpuMilliseconds: ProcessFootprint.cpuMilliseconds(),
            running: running.count)))
    }

    private static func metadata(_ request: WorkerMessage.RunRequest) -> Logger.Metadata {
        ["run_id": "\(request.runID)", "job_id": "\(request.jobID)"]
    }
}
