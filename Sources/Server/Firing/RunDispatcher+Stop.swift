// RunDispatcher+Stop: a node's graceful stop, as the firing layer does it. Nothing new is
// fired; runs in flight may finish (for at most the grace); runs that never reached a worker
// are recorded cancelled; the workers are stopped, which kills the scripts of the runs still
// going, and those runs are recorded lost, their output naming the grace — also a run whose
// worker could not be reaped (the supervisor's stop gave up on it): no run of a stopped node
// stays `running` (issue 12, hole 2). The last records are written (for at most
// `flushSeconds`) before the node exits.
import EventLoop
import Logging
import Worker

extension RunDispatcher {
    /// Stops firing, lets the runs in flight finish and their results reach the store (for at
    /// most `grace` seconds), then stops the workers and calls `completion`.
    func stop(grace: Double, completion: @escaping () -> Void) {
        stopping = true
        stopGrace = grace
        storeRetryTimer.stop()
        orphanTimer.stop()
        let deadline = reactor.monotonicNow + grace
        drainTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            guard (live.isEmpty && !runStore.hasPendingWrites) || reactor.monotonicNow >= deadline else { return }
            drainTimer = nil
            // Runs that never reached a worker will not now: recorded, not left pending.
            for request in waiting.removeAllItems() {
                cancelWaiting(request.runID, reason: "the node stopped before it started")
            }
            if !live.isEmpty {
                logger.warning("stopping with runs in flight", metadata: ["runs": "\(live.count)"])
            }
            // The workers' last reports (runs stopped under them are recorded lost) reach the
            // store before the node exits, for at most `flushSeconds`.
            workers.stop { [self] in
                // Runs whose worker was never reaped (the stop gave up on it) end here too.
                live.runIDs.forEach(recordLost)
                flushWrites(until: reactor.monotonicNow + Self.flushSeconds, then: completion)
            }
        }
        drainTimer?.start(after: 0, every: 0.05)
    }

    /// Seconds a stopping node waits for its last records to be written.
    static let flushSeconds = 2.0

    func flushWrites(until deadline: Double, then completion: @escaping () -> Void) {
        guard runStore.hasPendingWrites, reactor.monotonicNow < deadline else { return completion() }
        drainTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            drainTimer = nil
            flushWrites(until: deadline, then: completion)
        }
        drainTimer?.start(after: 0.05)
    }
}
