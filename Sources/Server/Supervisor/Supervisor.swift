// Supervisor: spawns the worker processes, reaps them, replaces the ones that die, and stops
// them in stages — the WorkerPool the firing layer dispatches runs to.
//
// Like nginx's master it only spawns, signals and reaps, with one record per worker slot
// (WorkerRecord). Workers are `posix_spawn`ed copies of this binary (WorkerSpawner) that die
// with the master (PR_SET_PDEATHSIG, and EOF on the socket). A worker that dies is restarted
// after an exponential back-off (RestartPolicy), unless it exited with WorkerExitCode.fatal
// (it was started wrongly and would be again): then the slot is left down, `failed`. A dead
// worker's in-flight runs are reported lost, and its scripts' process groups are killed.
// Runs go to the running worker with the fewest in flight. Liveness runs both ways: a worker
// that stops answering the master's pings is killed, and a worker whose master goes silent
// fences itself; whatever a dead worker's runs left behind is killed by the master, a child
// subreaper (Supervisor+Watchdog.swift).
//
// `stop` is staged (StopSchedule): ask each worker over the channel, SIGTERM after a delay,
// SIGKILL after a further, doubled one; it completes once every worker is reaped, or gives up
// after the last stage.
import CoreMetrics
import EventLoop
import Glibc
import Logging
import Worker

public final class Supervisor: WorkerPool {
    public struct Configuration: Sendable {
        public var workers: Int
        public var maxConcurrentPerWorker = 16
        /// Seconds between TERM and KILL when a worker stops one of its runs (timeout, cancel).
        public var graceSeconds = 5.0
        public var logLevel = "info"
        /// The user scripts run as (`dsched worker --run-as`); nil: the node's own user.
        public var runAs: String?
        /// The users a job's `run_as` may name (`dsched worker --allowed-users`); empty: none.
        public var allowedUsers: [String] = []
        /// The cgroup v2 directory each run gets a cgroup under (`dsched worker --cgroup`);
        /// nil: no cgroups, the workers' child subreaping and rlimits only.
        public var cgroup: String?
        /// The `dsched` binary workers are spawned from; nil: this executable (the normal case).
        public var executable: String?
        /// Seconds from asking the workers to stop (over the channel) to SIGTERM; nil: a fifth
        /// of `graceSeconds`, within 0.1...1 s. A worker asked to stop normally exits at once.
        public var stopTerminateDelay: Double?
        /// Seconds from SIGTERM to SIGKILL; nil: twice the TERM delay (nginx's doubling).
        public var stopKillDelay: Double?
        /// Seconds a worker may go without answering the master (`--worker-timeout`) before it
        /// is killed and its runs recorded lost.
        public var workerTimeout = 10.0
        /// Seconds a worker goes on without a frame from its master before it kills its runs
        /// and exits (`dsched worker --fence`): half the default node lease (issue 12).
        public var fenceSeconds = 5.0

        public init(workers: Int) {
            self.workers = workers
        }

        var stopSchedule: StopSchedule {
            let terminate = stopTerminateDelay ?? min(max(graceSeconds / 5, 0.1), 1)
            return StopSchedule(terminateDelay: terminate, killDelay: stopKillDelay ?? 2 * terminate)
        }
    }

    public weak var delegate: WorkerPoolDelegate?
    let reactor: Reactor
    let configuration: Configuration
    let logger: Logger
    private let spawner: WorkerSpawner
    var records: [WorkerRecord]
    var childWatchers: [pid_t: ChildWatcher] = [:]
    /// Pings every worker and kills the silent ones (Supervisor+Watchdog.swift).
    var pingTimer: TimerWatcher?
    /// Armed when a worker died: kills the processes its runs left, re-parented to the master
    /// (made at the first death, kept).
    var orphanSweep: TimerWatcher?
    var orphanSweepsLeft = 0
    /// Set once `stop` is called, for good: a stopped supervisor starts nothing again.
    private var stopping: StagedStop?
    /// Counts worker restarts (NodeMetrics.workerRestarts).
    private var restarts = CoreMetrics.Counter(label: "", factory: NOOPMetricsHandler.instance)

    /// A stop: when it began, the last stage carried out, its timer, who waits for its end.
    private struct StagedStop {
        let schedule: StopSchedule
        let began: Double
        var stage = StopSchedule.Stage.ask
        var timer: TimerWatcher?
        var completions: [() -> Void]
        /// Every worker is reaped, or the last stage passed: the completions have run.
        var finished = false
    }

    /// Counts restarts into the node's metrics, and samples the slots by state at each scrape.
    func measure(into metrics: NodeMetrics) {
        restarts = metrics.workerRestarts
        for state in WorkerRecord.State.allCases {
            metrics.sample(.workersLive, [("state", state.rawValue)]) { [self] in records.filter { $0.state == state }.count }
        }
    }

    public init(reactor: Reactor, configuration: Configuration, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.logger = logger
        spawner = WorkerSpawner(configuration: configuration)
        records = (0..<configuration.workers).map(WorkerRecord.init(slot:))
    }

    public func start() {
        startWatchdog()
        for slot in records.indices {
            spawn(slot)
        }
    }

    /// Runs one worker holds at most: its concurrency, never more. A run queued inside a
    /// worker could wait behind runs that hang while another worker sits idle (review of
    /// issue 11), so every run not yet started waits in the firing layer's fair queue.
    private var capacityPerWorker: Int { configuration.maxConcurrentPerWorker }

    public var freeSlots: Int {
        records.lazy.filter { $0.state == .running }.compactMap(\.handle)
            .reduce(0) { $0 + max(capacityPerWorker - $1.inFlight.count, 0) }
    }

    public func dispatch(_ request: WorkerMessage.RunRequest) -> Bool {
        let running = records.filter { $0.state == .running }.compactMap(\.handle)
            .filter { $0.inFlight.count < capacityPerWorker }
        guard let worker = running.min(by: { $0.inFlight.count < $1.inFlight.count }) else { return false }
        worker.inFlight[request.runID] = request
        worker.send(.run(request))
        return true
    }

    public func cancel(runID: Int64) {
        for worker in records.compactMap(\.handle) where worker.inFlight[runID] != nil {
            worker.send(.cancel(runID: runID))
        }
    }

    public func kill(runID: Int64) {
        for worker in records.compactMap(\.handle) where worker.inFlight[runID] != nil {
            if let group = worker.scriptGroups[runID], group > 0 {
                Glibc.kill(-group, SIGKILL)
            }
            worker.send(.cancel(runID: runID))
        }
    }

    public var workers: [WorkerInfo] { records.map(\.info) }

    // MARK: - Spawning and reaping

    private func spawn(_ slot: Int) {
        guard stopping == nil else { return }
        switch spawner.spawn() {
        case .failure(let error):
            restart(slot, after: records[slot].startFailed(), reason: "\(error)")
        case .success(let (pid, fd)):
            records[slot].started(pid: pid, at: reactor.monotonicNow)
            records[slot].handle = WorkerHandle(fd: fd, reactor: reactor, liveness: ChannelLiveness(
                                                    timeout: configuration.workerTimeout, checkInterval: Self.pingInterval,
                                                    now: reactor.monotonicNow),
                                                onMessage: { [unowned self] in received($0, slot: slot) },
                                                onEnd: { [unowned self] in channelEnded($0, slot: slot) })
            childWatchers[pid] = ChildWatcher(reactor: reactor, pid: pid) { [unowned self] pid, status in
                reaped(slot: slot, pid: pid, status: status)
            }
            logger.info("worker started", metadata: ["worker_pid": "\(pid)", "slot": "\(slot)"])
            delegate?.workerReady()
        }
    }

    private func reaped(slot: Int, pid: pid_t, status: Int32) {
        childWatchers[pid] = nil
        guard records[slot].pid == pid else { return }
        let exit = WorkerExit(waitStatus: status)
        let handle = records[slot].handle
        records[slot].handle = nil
        let lost = handle.map { Array($0.inFlight.values) } ?? []
        // Its scripts lead process groups of their own and outlive it: stop them, or a lost
        // run retried elsewhere would run twice at once.
        killRuns(of: handle, workerPID: pid)
        let next = records[slot].exited(exit, at: reactor.monotonicNow, supervisorStopping: stopping != nil)
        let metadata: Logger.Metadata = ["worker_pid": "\(pid)", "slot": "\(slot)", "status": "\(exit)", "lost_runs": "\(lost.count)"]
        if stopping != nil {
            logger.info("worker stopped", metadata: metadata)
        } else if exit.isFatal {
            logger.error("worker exited with the fatal code: its slot is left down", metadata: metadata)
        } else {
            logger.warning("worker died", metadata: metadata)
        }
        if !lost.isEmpty {
            delegate?.runsLost(lost)
        }
        if case .restart(let delay) = next {
            restart(slot, after: delay, reason: "\(exit)")
        }
        if stopping != nil && !records.contains(where: \.hasProcess) {
            finishStop()
        }
    }

    private func restart(_ slot: Int, after delay: Double, reason: String) {
        guard stopping == nil else { return }
        restarts.increment()
        if records[slot].policy.isCrashLoop {
            logger.error("worker crash loop: restarts slowed", metadata: [
                "slot": "\(slot)", "crashes": "\(records[slot].policy.crashes)", "delay_s": "\(delay)", "reason": "\(reason)",
            ])
        }
        let timer = TimerWatcher(reactor: reactor) { [unowned self] in
            records[slot].restartTimer = nil
            spawn(slot)
        }
        timer.start(after: delay)
        records[slot].restartTimer = timer
    }

    private func received(_ message: WorkerMessage, slot: Int) {
        guard let worker = records[slot].handle else { return }
        worker.liveness.heard(at: reactor.monotonicNow)
        switch message {
        case .started(let runID, let scriptPID, let at):
            worker.scriptGroups[runID] = scriptPID
            delegate?.runStarted(runID: runID, workerPID: records[slot].pid, at: at)
        case .finished(let result):
            worker.inFlight[result.runID] = nil
            worker.scriptGroups[result.runID] = nil
            delegate?.runFinished(result)
            delegate?.workerReady()
        case .stats(let stats):
            worker.stats = stats
        case .pong:
            break
        case .run, .cancel, .stop, .ping:
            logger.warning("worker sent a master's message", metadata: ["worker_pid": "\(records[slot].pid)"])
        }
    }

    /// A broken channel leaves a worker nobody can talk to: it is killed (and restarted when
    /// reaped). A stopping worker closing its end is exiting as asked.
    private func channelEnded(_ reason: WorkerChannelError, slot: Int) {
        let pid = records[slot].pid
        guard pid != 0 else { return }
        if records[slot].state == .stopping, case .closedByPeer = reason {
            logger.debug("stopping worker closed its channel", metadata: ["worker_pid": "\(pid)"])
            return
        }
        logger.warning("worker channel broken", metadata: ["worker_pid": "\(pid)", "reason": "\(reason)"])
        Glibc.kill(pid, SIGKILL)
    }

    // MARK: - Staged stop

    public func stop(completion: @escaping () -> Void) {
        if let current = stopping {
            if current.finished {
                completion()
            } else {
                stopping?.completions.append(completion)
            }
            return
        }
        stopping = StagedStop(schedule: configuration.stopSchedule, began: reactor.monotonicNow, completions: [completion])
        for slot in records.indices {
            records[slot].supervisorStopping()
            records[slot].handle?.send(.stop)
        }
        let live = records.filter(\.hasProcess).count
        logger.info("stopping workers", metadata: ["workers": "\(live)"])
        guard live > 0 else { return finishStop() }
        armStopTimer()
    }

    /// Carries out the stages now due, then waits for the next one.
    private func advanceStop() {
        guard let current = stopping, !current.finished else { return }
        let elapsed = reactor.monotonicNow - current.began
        let due = current.schedule.stage(at: elapsed)
        var stage = current.stage
        while stage < due, let next = stage.next {
            stage = next
            signalLiveWorkers(for: stage)
        }
        stopping?.stage = stage
        if stage == .abandon {
            let left = records.filter(\.hasProcess).map { "\($0.pid)" }.joined(separator: ",")
            logger.error("workers not reaped after SIGKILL: stop completes without them", metadata: ["worker_pids": "\(left)"])
            finishStop()
        } else {
            armStopTimer()
        }
    }

    private func signalLiveWorkers(for stage: StopSchedule.Stage) {
        let signal: Int32
        switch stage {
        case .terminate: signal = SIGTERM
        case .kill: signal = SIGKILL
        case .ask, .abandon: return
        }
        for record in records where record.hasProcess {
            logger.warning("worker slow to stop: signalled", metadata: ["worker_pid": "\(record.pid)", "signal": "\(signal)"])
            Glibc.kill(record.pid, signal)
            if signal == SIGKILL {
                // A worker that could not act on TERM may not have killed its scripts either.
                killRuns(of: record.handle, workerPID: record.pid)
            }
        }
    }

    private func armStopTimer() {
        guard let current = stopping, let next = current.stage.next else { return }
        let timer = current.timer ?? TimerWatcher(reactor: reactor) { [unowned self] in advanceStop() }
        timer.start(after: current.schedule.start(of: next) - (reactor.monotonicNow - current.began))
        stopping?.timer = timer
    }

    private func finishStop() {
        guard let current = stopping, !current.finished else { return }
        current.timer?.stop()
        pingTimer = nil
        stopping?.finished = true
        stopping?.completions = []
        current.completions.forEach { $0() }
    }
}
