// WorkerRecord: the supervisor's record of one worker slot, as nginx keeps one per child — the
// live process (pid, start time, channel and runs), the slot's state, its restart back-off and
// timer, and its history. The state changes here are pure (times come in as arguments), so they
// are tested without processes; `handle` and `restartTimer` are the supervisor's to fill.
import EventLoop
import Glibc

struct WorkerRecord {
    enum State: String, CaseIterable {
        case running
        /// Asked to stop (the supervisor is stopping); not given runs.
        case stopping
        /// Down, waiting out its back-off before the next start.
        case restarting
        /// Exited with the fatal code: left down.
        case failed
        /// Not started yet, or down for good after the supervisor stopped.
        case stopped
    }

    /// What the supervisor does with the slot after its worker exited.
    enum Next: Equatable {
        case restart(after: Double)
        case leaveDown
    }

    let slot: Int
    private(set) var state = State.stopped
    /// The live worker's pid; 0 when the slot has none.
    private(set) var pid: pid_t = 0
    /// When the live worker started, on the monotonic clock (s).
    private(set) var startedAt = 0.0
    private(set) var restarts = 0
    private(set) var policy = RestartPolicy()
    /// The live worker's channel, runs and figures; nil when the slot has none.
    var handle: WorkerHandle?
    /// Armed while the slot waits to restart.
    var restartTimer: TimerWatcher?

    init(slot: Int) {
        self.slot = slot
    }

    var hasProcess: Bool { pid != 0 }

    mutating func started(pid: pid_t, at now: Double) {
        self.pid = pid
        startedAt = now
        state = .running
    }

    /// The worker could not be started (no process exists): the delay (s) before the next try.
    mutating func startFailed() -> Double {
        restarts += 1
        state = .restarting
        return policy.delay(afterLiving: nil)
    }

    /// The worker exited at `now`. While the supervisor stops, the slot stays down, stopped; a
    /// fatal exit leaves it down, failed; any other death restarts it after the back-off.
    mutating func exited(_ exit: WorkerExit, at now: Double, supervisorStopping: Bool) -> Next {
        let lifetime = now - startedAt
        pid = 0
        if supervisorStopping {
            state = .stopped
            return .leaveDown
        }
        if exit.isFatal {
            state = .failed
            return .leaveDown
        }
        restarts += 1
        state = .restarting
        return .restart(after: policy.delay(afterLiving: lifetime))
    }

    /// The supervisor began to stop: a live worker is stopping; a slot waiting to restart is
    /// stopped (its timer dropped); a failed slot stays failed.
    mutating func supervisorStopping() {
        restartTimer = nil
        if hasProcess {
            state = .stopping
        } else if state == .restarting {
            state = .stopped
        }
    }

    var info: WorkerInfo {
        WorkerInfo(slot: slot, pid: pid, state: state.rawValue, inFlight: handle?.inFlight.count ?? 0,
                   rssKilobytes: handle?.stats.rssKilobytes ?? 0, cpuMilliseconds: handle?.stats.cpuMilliseconds ?? 0,
                   restarts: restarts)
    }
}
