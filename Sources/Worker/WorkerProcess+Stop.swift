// WorkerProcess+Stop: how a worker ends — asked by its master, SIGTERM, its channel ending,
// or its fence (the master silent for `fenceSeconds`: issue 12) — and, every way, every run's
// process group and cgroup and every child of its own killed before the loop ends.
import Glibc
import Logging

extension WorkerProcess {
    /// The fence: a master silent for `fenceSeconds` (while this worker ran) is taken for gone.
    func checkMaster() {
        let now = reactor.monotonicNow
        guard master.isSilent(at: now) else { return }
        stop(.fenced(silence: master.silence(at: now)))
    }

    enum StopReason: CustomStringConvertible {
        case asked
        case terminated
        case channelEnded(WorkerChannelError)
        /// The master said nothing for this many seconds.
        case fenced(silence: Double)

        var description: String {
            switch self {
            case .asked: return "the master asked over the channel"
            case .terminated: return "SIGTERM (from the master, or from the kernel as the master exited)"
            case .channelEnded(let end): return end.description
            case .fenced(let silence): return "fence: no frame from the master for \(silence) s"
            }
        }
    }

    /// Kills every running script's process group and ends the loop. Waiting runs are dropped:
    /// the master that sent them is gone (or is stopping us) and will not hear of them again.
    func stop(_ reason: StopReason) {
        guard !stopping else { return }
        stopReason = reason
        var metadata: Logger.Metadata = [
            "reason": "\(reason)", "running": "\(running.count)", "waiting": "\(waiting.count)",
        ]
        if case .fenced = reason {
            metadata["run_ids"] = "\(running.keys.sorted().map(String.init).joined(separator: ","))"
            logger.error("worker fenced: its master is silent; killing its runs and exiting", metadata: metadata)
        } else {
            logger.notice("worker stopping: killing running scripts", metadata: metadata)
        }
        for run in running.values {
            run.killGroup()
        }
        killLeftovers(sparingScripts: false)
        killChildrenUntilNoneLeft()
        reactor.stop()
    }

    /// What left the killed groups (setsid) is re-parented to this subreaper only as its parent
    /// exits, which a first sweep may not see yet: sweeps (20 ms apart, for at most 1 s) until
    /// `finalQuietSweeps` in a row find no live child, so that nothing of a run outlives the
    /// worker even when its master cannot sweep (it is stopped: the fence).
    private func killChildrenUntilNoneLeft() {
        var quiet = 0
        for _ in 0..<50 where quiet < Self.finalQuietSweeps {
            usleep(20_000)
            let children = ChildProcesses.live(of: getpid())
            children.forEach { kill($0, SIGKILL) }
            quiet = children.isEmpty ? quiet + 1 : 0
        }
    }
}
