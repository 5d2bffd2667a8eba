// Supervisor: spawns the worker processes, reaps them, and replaces the ones that die.
//
// Like nginx's master it only spawns, signals and reaps: workers are `posix_spawn`ed copies of
// this binary (`dsched worker`, never a bare fork of a Swift process) with their end of a
// socketpair as fd 3; they die with the master (PR_SET_PDEATHSIG, and EOF on the socket). A
// worker that exits is restarted after an exponential back-off (100 ms doubling to 30 s, reset
// once a worker has lived 30 s), so a crash loop is slowed and logged, never a fork storm.
// Its in-flight runs are reported lost. Runs go to the running worker with the fewest in flight.
import EventLoop
import Glibc
import Logging
import Worker

public final class Supervisor: WorkerPool {
    public struct Configuration: Sendable {
        public var workers: Int
        public var maxConcurrentPerWorker = 16
        public var graceSeconds = 5.0
        public var logLevel = "info"

        public init(workers: Int) {
            self.workers = workers
        }
    }

    private let reactor: Reactor
    private let configuration: Configuration
    private let logger: Logger
    public weak var delegate: WorkerPoolDelegate?
    private let executable: String
    private var handles: [WorkerHandle?]
    private var childWatchers: [pid_t: ChildWatcher] = [:]
    private var restartTimers: [Int: TimerWatcher] = [:]
    private var crashes: [Int]
    private(set) var restarts: [Int]
    private var stopping = false
    /// The master's environment less its secrets: scripts run with the worker's environment,
    /// and a job's author must not read the database password or the API token from it.
    private lazy var workerEnvironment: [UnsafeMutablePointer<CChar>?] = {
        var variables: [UnsafeMutablePointer<CChar>?] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !Self.secretVariables.contains(where: { text.hasPrefix($0 + "=") }) {
                variables.append(entry)
            }
            cursor += 1
        }
        return variables + [nil]
    }()

    static let secretVariables = ["PGPASSWORD", "DSCHED_API_TOKEN"]

    public init(reactor: Reactor, configuration: Configuration, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        handles = Array(repeating: nil, count: configuration.workers)
        crashes = Array(repeating: 0, count: configuration.workers)
        restarts = Array(repeating: 0, count: configuration.workers)
        executable = Self.currentExecutable() ?? CommandLine.arguments[0]
    }

    public func start() {
        for slot in 0..<configuration.workers {
            spawn(slot)
        }
    }

    /// Asks every worker to stop (SIGTERM); they also die on their own when the master exits.
    public func stop(completion: @escaping () -> Void) {
        stopping = true
        defer { completion() }
        restartTimers.removeAll()
        for worker in handles.compactMap({ $0 }) where worker.state == .running {
            kill(worker.pid, SIGTERM)
        }
    }

    /// Sends a run to the least-loaded running worker; false when none is running.
    public func dispatch(_ request: WorkerMessage.RunRequest) -> Bool {
        guard let worker = handles.compactMap({ $0 }).filter({ $0.state == .running }).min(by: { $0.inFlight.count < $1.inFlight.count }) else {
            return false
        }
        worker.inFlight[request.runID] = request
        worker.send(.run(request))
        return true
    }

    /// Asks the worker running `runID` to stop it.
    public func cancel(runID: Int64) {
        for worker in handles.compactMap({ $0 }) where worker.inFlight[runID] != nil {
            worker.send(.cancel(runID: runID))
        }
    }

    public var workers: [WorkerInfo] {
        (0..<handles.count).map { slot in
            let worker = handles[slot]
            return WorkerInfo(slot: slot, pid: worker?.pid ?? 0, state: worker?.state.rawValue ?? "restarting",
                              inFlight: worker?.inFlight.count ?? 0, rssKilobytes: worker?.stats.rssKilobytes ?? 0,
                              cpuMilliseconds: worker?.stats.cpuMilliseconds ?? 0, restarts: restarts[slot])
        }
    }

    // MARK: - Spawning and reaping

    private func spawn(_ slot: Int) {
        guard !stopping else { return }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            scheduleRestart(slot, reason: "socketpair failed: errno \(errno)")
            return
        }
        var (master, child) = (pair[0], pair[1])
        if child == 3 {
            // dup2(3, 3) would keep close-on-exec: move the child's end out of the way first.
            let moved = fcntl(child, F_DUPFD_CLOEXEC, 10)
            Glibc.close(child)
            child = moved
        }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 3 clears close-on-exec for the child's copy; the originals stay private.
        posix_spawn_file_actions_adddup2(&actions, child, 3)
        let arguments = [executable, "worker", "--fd", "3", "--max-concurrent", String(configuration.maxConcurrentPerWorker),
                         "--grace", String(configuration.graceSeconds), "--log-level", configuration.logLevel]
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = workerEnvironment.withUnsafeBufferPointer { environment in
            posix_spawn(&pid, executable, &actions, nil, cArguments, UnsafeMutablePointer(mutating: environment.baseAddress))
        }
        Glibc.close(child)
        guard status == 0 else {
            Glibc.close(master)
            scheduleRestart(slot, reason: "posix_spawn failed: \(String(cString: strerror(status)))")
            return
        }
        handles[slot] = WorkerHandle(slot: slot, pid: pid, fd: master, reactor: reactor,
                                     onMessage: { [unowned self] in received($1, from: $0) },
                                     onBroken: { [unowned self] worker, reason in
                                         logger.warning("worker channel broken", metadata: ["worker_pid": "\(worker.pid)", "reason": "\(reason)"])
                                         kill(worker.pid, SIGKILL)
                                     })
        childWatchers[pid] = ChildWatcher(reactor: reactor, pid: pid) { [unowned self] pid, status in
            reaped(slot: slot, pid: pid, status: status)
        }
        logger.info("worker started", metadata: ["worker_pid": "\(pid)", "slot": "\(slot)"])
        delegate?.workerReady()
    }

    private func reaped(slot: Int, pid: pid_t, status: Int32) {
        childWatchers[pid] = nil
        guard let worker = handles[slot], worker.pid == pid else { return }
        worker.markExited()
        handles[slot] = nil
        let signal = status & 0x7f
        let how = signal == 0 ? "exit code \((status >> 8) & 0xff)" : "signal \(signal)"
        let lost = Array(worker.inFlight.values)
        // Its scripts lead process groups of their own and outlive it: stop them, or a lost
        // run retried elsewhere would run twice at once.
        for group in worker.scriptGroups.values where group > 0 {
            kill(-group, SIGKILL)
        }
        if stopping {
            logger.info("worker stopped", metadata: ["worker_pid": "\(pid)", "status": "\(how)"])
        } else {
            logger.warning("worker died", metadata: ["worker_pid": "\(pid)", "status": "\(how)", "lost_runs": "\(lost.count)"])
        }
        if !lost.isEmpty {
            delegate?.runsLost(lost)
        }
        if reactor.monotonicNow - worker.startedAt > 30 {
            crashes[slot] = 0
        }
        scheduleRestart(slot, reason: how)
    }

    private func scheduleRestart(_ slot: Int, reason: String) {
        guard !stopping else { return }
        let delay = min(0.1 * Double(1 << min(crashes[slot], 9)), 30)
        crashes[slot] += 1
        restarts[slot] += 1
        if crashes[slot] >= 5 {
            logger.error("worker crash loop: restarts slowed", metadata: ["slot": "\(slot)", "crashes": "\(crashes[slot])", "delay_s": "\(delay)", "reason": "\(reason)"])
        }
        let timer = TimerWatcher(reactor: reactor) { [unowned self] in
            restartTimers[slot] = nil
            spawn(slot)
        }
        timer.start(after: delay)
        restartTimers[slot] = timer
    }

    private func received(_ message: WorkerMessage, from worker: WorkerHandle) {
        switch message {
        case .started(let runID, let scriptPID, let at):
            worker.scriptGroups[runID] = scriptPID
            delegate?.runStarted(runID: runID, workerPID: worker.pid, at: at)
        case .finished(let result):
            worker.inFlight[result.runID] = nil
            worker.scriptGroups[result.runID] = nil
            delegate?.runFinished(result)
        case .stats(let stats):
            worker.stats = stats
        case .run, .cancel:
            logger.warning("worker sent a master's message", metadata: ["worker_pid": "\(worker.pid)"])
        }
    }

    /// This executable's path (readlink of /proc/self/exe), to spawn workers from.
    private static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
