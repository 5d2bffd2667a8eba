// Supervisor+Watchdog: the master's side of worker liveness (issue 12, hole 3), and the end of
// whatever a dead worker's runs left behind.
//
// Every `pingInterval` the master pings each running worker; the worker answers (`pong`), and
// any frame from it counts as life (ChannelLiveness). A worker not heard from for
// `workerTimeout` seconds — stopped, deadlocked, swapped out — gets SIGKILL; when it is reaped
// its runs are reported lost (then retried by their job's policy) and its slot respawns as
// after any crash. The pings are also what keeps each worker's fence (WorkerProcess) from
// firing while the master is alive.
//
// A worker that dies any way (SIGKILL included) leaves its scripts behind: they lead process
// groups of their own. The master kills each group it knows (from the `started` reports) and,
// with `--cgroup`, the dead worker's whole cgroup subtree (cgroup.kill). What neither reaches —
// a script whose `started` report had not arrived yet, or a process that left its group
// (setsid) — is re-parented to the master, which is a child subreaper for that reason: after a
// worker's death, every child of the master that is not a worker gets SIGKILL (its process
// group too when it leads one), sweep after sweep (100 ms apart) until `orphanSweeps` in a row
// found none, so that processes re-parented only once the killed ones exited, and the
// descendants of each killed process in their turn, are found too.
import CEventLoop
import EventLoop
import Glibc
import Logging
import Worker

extension Supervisor {
    /// Seconds between pings (the contract: a frame at least every second).
    static let pingInterval = 0.5
    /// Seconds from a worker's death to the sweep for what its runs left, and between sweeps.
    static let orphanSweepDelay = 0.1
    /// Sweeps in a row that must find nothing before the sweeping ends.
    static let orphanSweeps = 5

    /// Makes the master a child subreaper and starts pinging (called once, from `start`).
    func startWatchdog() {
        if dsched_set_child_subreaper() != 0 {
            logger.warning("could not become a child subreaper: a process that left a run's group may outlive a killed worker",
                           metadata: ["errno": "\(errno)"])
        }
        let timer = TimerWatcher(reactor: reactor) { [unowned self] in pingWorkers() }
        timer.start(after: Self.pingInterval, every: Self.pingInterval)
        pingTimer = timer
    }

    /// Pings each running worker and kills those silent for `workerTimeout` seconds.
    private func pingWorkers() {
        let now = reactor.monotonicNow
        for slot in records.indices where records[slot].state == .running {
            guard let worker = records[slot].handle, !worker.killedAsSilent else { continue }
            guard worker.liveness.isSilent(at: now) else {
                worker.send(.ping)
                continue
            }
            worker.killedAsSilent = true
            let pid = records[slot].pid
            logger.error("worker silent: killed, its runs will be recorded lost", metadata: [
                "worker_pid": "\(pid)", "slot": "\(slot)", "silence_s": "\(worker.liveness.silence(at: now))",
                "timeout_s": "\(configuration.workerTimeout)",
                "run_ids": "\(worker.inFlight.keys.sorted().map(String.init).joined(separator: ","))",
            ])
            Glibc.kill(pid, SIGKILL)
        }
    }

    /// SIGKILL to every script process group `handle`'s worker reported, and to that worker's
    /// cgroup subtree (`--cgroup`); then sweeps for what is left (see the top).
    func killRuns(of handle: WorkerHandle?, workerPID: pid_t) {
        for group in handle?.scriptGroups.values.filter({ $0 > 0 }) ?? [] {
            Glibc.kill(-group, SIGKILL)
        }
        if let root = configuration.cgroup {
            WorkerCgroup.killAll(root: root, workerPID: workerPID)
        }
        orphanSweepsLeft = Self.orphanSweeps
        let sweep = orphanSweep ?? TimerWatcher(reactor: reactor) { [unowned self] in sweepOrphans() }
        orphanSweep = sweep
        if !sweep.isActive {
            sweep.start(after: Self.orphanSweepDelay)
        }
    }

    /// SIGKILL to every live child that is not a worker: what dead workers' runs left,
    /// re-parented to this subreaper. Sweeps again until `orphanSweeps` in a row found none.
    /// libev's SIGCHLD handling reaps them.
    private func sweepOrphans() {
        let orphans = ChildProcesses.live(of: getpid()).filter { childWatchers[$0] == nil }
        for pid in orphans {
            logger.warning("killing a process a dead worker's run left behind", metadata: ["pid": "\(pid)"])
            if getpgid(pid) == pid {
                Glibc.kill(-pid, SIGKILL)
            }
            Glibc.kill(pid, SIGKILL)
        }
        orphanSweepsLeft = orphans.isEmpty ? orphanSweepsLeft - 1 : Self.orphanSweeps
        if orphanSweepsLeft > 0 {
            orphanSweep?.start(after: Self.orphanSweepDelay)
        }
    }
}
