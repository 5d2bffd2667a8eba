// ScriptRun: one running script — its process group, its output pipe, its timeout.
//
// The script runs as `/bin/sh -c <script>` (through setpriv as the `--run-as` user, if one is
// set, and through prlimit under the job's `max_memory` and `max_cpu`: RunLimits) in a process
// group of its own, so that a timeout or a cancel can signal everything it started
// (kill(-pgid)): TERM first, KILL after the grace period. It gets fds 0 (/dev/null), 1 and 2
// (one pipe, whose tail is kept: OutputTail) and no other: the spawn closes every fd from 3 up. The worker reaps the shell (wait4, for its resource usage) and hands the status to
// `reaped`; the run finishes there, after draining what the pipe holds, and KILL goes to its
// process group whatever the way it ended, so that background processes (`sleep 1000 &`) end
// with the run. It does not wait for the pipe's EOF beyond that. (What left the group with
// setsid is the worker's to find: WorkerProcess; with `--cgroup`, every process of the run is
// in the run's cgroup, RunCgroup, killed as a whole when the run ends.)
import CEventLoop
import EventLoop
import Glibc
import Logging

public enum ScriptRunError: Error, Equatable, CustomStringConvertible {
    /// Creating the output pipe failed.
    case pipe(errno: Int32)
    /// posix_spawn failed (no /bin/sh, no processes left, ...).
    case spawn(path: String, errno: Int32)
    /// The job's `run_as` is not in this node's `--allowed-users` (RunAsPolicy).
    case notAllowed(user: String)
    /// The job's `run_as` cannot be used here: no such user, or the node is not root.
    case user(RunAsUserError)
    /// The run's cgroup could not be made (`--cgroup`).
    case cgroup(CgroupError)

    public var description: String {
        switch self {
        case .notAllowed(let user): return "run_as: user \(user) is not in this node's --allowed-users"
        case .user(let error): return "run_as: \(error)"
        case .cgroup(let error): return "cgroup: \(error)"
        case .pipe(let code): return "could not create the output pipe: \(String(cString: strerror(code)))"
        case .spawn(let path, let code): return "could not start \(path): \(String(cString: strerror(code)))"
        }
    }
}

final class ScriptRun {
    typealias RunRequest = WorkerMessage.RunRequest
    typealias RunResult = WorkerMessage.RunResult

    let request: RunRequest
    /// The shell's pid, which is also the process group's id.
    let pid: pid_t
    let startedAt: Int64
    /// The run's cgroup (`--cgroup`), which the worker retires when the run ends; nil without.
    let cgroup: RunCgroup?

    private let reactor: Reactor
    private let logger: Logger
    private let graceSeconds: Double
    private let onFinished: (RunResult) -> Void
    private var output: OutputTail
    /// The pipe's read end; nil once closed (at EOF or when the run finishes).
    private var pipeFD: Int32?
    private var pipeWatcher: IOWatcher?
    private var timeoutTimer: TimerWatcher?
    private var killTimer: TimerWatcher?
    private var timedOut = false
    private var cancelled = false
    private var finished = false

    /// The largest piece read from the pipe at once, and how many pieces one wake-up reads, so
    /// that a script printing without pause cannot starve the worker's other work.
    private static let readSize = 65536
    private static let readsPerWakeUp = 16

    /// Spawns the script, as `runAs` if set, in a cgroup of its own under `cgroups` if set. `environment` is the worker's; the run's DSCHED_*
    /// variables are added (and HOME, USER, LOGNAME of `runAs`). `onFinished` is called once,
    /// from a later loop callback (never from `start`).
    static func start(_ request: RunRequest, reactor: Reactor, environment: [String: String], runAs: RunAsUser?,
                      cgroups: WorkerCgroup?, graceSeconds: Double, logger: Logger,
                      onFinished: @escaping (RunResult) -> Void) throws(ScriptRunError) -> ScriptRun {
        let cgroup: RunCgroup?
        do {
            cgroup = try cgroups?.makeRun(request)
        } catch {
            throw .cgroup(error)
        }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            let code = errno
            cgroup.map { cgroups?.retire($0) }
            throw .pipe(errno: code)
        }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        // Neither end may leak into other scripts; the child gets the write end as 1 and 2 only.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        let spawned = spawnShell(request, environment: environment, runAs: runAs, cgroup: cgroup, output: writeEnd)
        close(writeEnd)
        switch spawned {
        case .failure(let error):
            close(readEnd)
            cgroup.map { cgroups?.retire($0) }
            throw error
        case .success(let pid):
            return ScriptRun(request: request, pid: pid, cgroup: cgroup, pipeFD: readEnd, reactor: reactor, graceSeconds: graceSeconds,
                             logger: logger, onFinished: onFinished)
        }
    }

    /// The result of a run whose script could not be started.
    static func failure(_ request: RunRequest, error: ScriptRunError, at now: Int64) -> RunResult {
        RunResult(runID: request.runID, exitCode: nil, signal: nil, timedOut: false, cancelled: false, startedAt: now,
               finishedAt: now, output: "", outputTruncated: false, maxRSSKilobytes: 0, cpuUserMilliseconds: 0,
               cpuSystemMilliseconds: 0, error: error.description)
    }

    private init(request: RunRequest, pid: pid_t, cgroup: RunCgroup?, pipeFD: Int32, reactor: Reactor, graceSeconds: Double, logger: Logger,
                 onFinished: @escaping (RunResult) -> Void) {
        self.request = request
        self.pid = pid
        self.cgroup = cgroup
        self.pipeFD = pipeFD
        self.reactor = reactor
        self.graceSeconds = graceSeconds
        self.logger = logger
        self.onFinished = onFinished
        startedAt = reactor.nowMilliseconds
        output = OutputTail(limit: request.outputLimit)
        pipeWatcher = IOWatcher(reactor: reactor, fd: pipeFD, events: .read) { [unowned self] _ in
            readPipe(maxReads: Self.readsPerWakeUp)
        }
        pipeWatcher?.start()
        if let timeout = request.timeoutMilliseconds, timeout > 0 {
            let timer = TimerWatcher(reactor: reactor) { [unowned self] in
                guard !finished, !timedOut, !cancelled else { return }
                timedOut = true
                logger.warning("run timed out: TERM to its process group", metadata: ["timeout_ms": "\(timeout)"])
                terminate()
            }
            timer.start(after: Double(timeout) / 1000)
            timeoutTimer = timer
        }
    }

    deinit {
        closePipe()
    }

    /// Stops the run: TERM to its process group now, KILL after the grace period.
    func cancel() {
        guard !finished, !timedOut, !cancelled else { return }
        cancelled = true
        logger.info("run cancelled: TERM to its process group")
        terminate()
    }

    /// KILL to the whole process group, and the run's cgroup, at once (the worker is going away).
    func killGroup() {
        signalGroup(SIGKILL)
        cgroup?.killAll()
    }

    /// The worker reaped the shell: finish with its wait status and resource usage.
    func reaped(status: Int32, usage: rusage) {
        guard !finished else { return }
        finished = true
        timeoutTimer = nil
        killTimer = nil
        // The shell wrote everything before it exited: what the pipe holds now is all of its
        // output. More can come only from background processes still holding the pipe.
        readPipe(maxReads: Self.readsPerWakeUp)
        // Whatever the group (and the cgroup) started and left behind ends with the run,
        // however it ended.
        signalGroup(SIGKILL)
        cgroup?.killAll()
        closePipe()
        let exited = status & 0x7f == 0
        let signal = exited ? nil : status & 0x7f
        let cpuMilliseconds = usage.ru_utime.milliseconds + usage.ru_stime.milliseconds
        let limitLine = timedOut || cancelled ? nil
            : RunLimits(request).exceededLine(signal: signal, cpuMilliseconds: cpuMilliseconds)
        onFinished(RunResult(
            runID: request.runID,
            exitCode: exited ? (status >> 8) & 0xff : nil,
            signal: signal,
            timedOut: timedOut,
            cancelled: cancelled,
            startedAt: startedAt,
            finishedAt: reactor.nowMilliseconds,
            output: (limitLine ?? "") + output.text,
            outputTruncated: output.truncated,
            // The peak of the shell and what it waited for. Linux carries the address space a
            // process had before exec into its peak, and a posix_spawn child starts in the
            // worker's: so this is at least the worker's own resident size at spawn.
            maxRSSKilobytes: usage.ru_maxrss,
            cpuUserMilliseconds: usage.ru_utime.milliseconds,
            cpuSystemMilliseconds: usage.ru_stime.milliseconds,
            error: nil))
    }

    private func terminate() {
        signalGroup(SIGTERM)
        let timer = TimerWatcher(reactor: reactor) { [unowned self] in
            guard !finished else { return }
            logger.warning("grace period over: KILL to the run's process group", metadata: ["grace_s": "\(graceSeconds)"])
            signalGroup(SIGKILL)
        }
        timer.start(after: graceSeconds)
        killTimer = timer
    }

    private func signalGroup(_ signal: Int32) {
        if kill(-pid, signal) != 0 && errno != ESRCH {
            logger.error("could not signal the run's process group", metadata: ["signal": "\(signal)", "errno": "\(errno)"])
        }
    }

    /// Reads up to `maxReads` pieces into the tail; closes the pipe at EOF or on an error.
    private func readPipe(maxReads: Int) {
        guard let fd = pipeFD else { return }
        withUnsafeTemporaryAllocation(byteCount: Self.readSize, alignment: 1) { buffer in
            for _ in 0..<maxReads {
                let result: IOResult<Int>
                do {
                    result = try systemCall("read") { read(fd, buffer.baseAddress, buffer.count) }
                } catch {
                    logger.error("reading the script's output failed", metadata: ["error": "\(error)"])
                    closePipe()
                    return
                }
                guard case .done(let count) = result else { return }
                if count == 0 {
                    closePipe()
                    return
                }
                output.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if count < buffer.count { return }
            }
        }
    }

    private func closePipe() {
        guard let fd = pipeFD else { return }
        pipeWatcher = nil
        close(fd)
        pipeFD = nil
    }

    /// posix_spawn of `/bin/sh -c <script>` (through setpriv when `runAs` is set, prlimit when
    /// the job has limits, and the move into `cgroup` when set) in a new process group, stdin from /dev/null, stdout and stderr
    /// into `output`, every other fd closed, signals reset to their defaults (the worker ignores
    /// SIGPIPE, and ignored signals survive exec) and none blocked.
    private static func spawnShell(_ request: RunRequest, environment: [String: String], runAs: RunAsUser?,
                                   cgroup: RunCgroup?, output: Int32) -> Result<pid_t, ScriptRunError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        dsched_spawn_file_actions_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var variables = environment
        variables["DSCHED_JOB_ID"] = String(request.jobID)
        variables["DSCHED_JOB_NAME"] = request.jobName
        variables["DSCHED_RUN_ID"] = String(request.runID)
        variables["DSCHED_SCHEDULED_AT"] = request.scheduledAt
        variables["DSCHED_ATTEMPT"] = String(request.attempt)
        let shell = ["/bin/sh", "-c", request.script]
        let limited = RunLimits(request).wrapping(runAs.map { $0.wrapping(shell) } ?? ("/bin/sh", shell))
        let (path, argv) = cgroup?.wrapping(limited) ?? limited
        if let runAs {
            variables.merge(runAs.environment) { $1 }
        }
        let arguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, arguments, cEnvironment)
        return status == 0 ? .success(pid) : .failure(.spawn(path: path, errno: status))
    }
}
