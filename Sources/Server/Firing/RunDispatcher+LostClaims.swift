// RunDispatcher+LostClaims: ticks whose claim failed, and rows whose claim's reply was lost.
//
// A claim that fails for want of the store (down, or the connection broke) waits in the
// TickBacklog and is made again, through `fire`, once the store answers. It may have
// committed and lost only its reply: then its row exists, this node's and `pending`, and the
// unique row would refuse the tick forever. So the claim is made again with `reclaim`, which
// wins that row back (or, if the job is now busy under `forbid` or its backlog is full,
// records it `skipped`); a row this node already runs is never taken twice (`fire` and
// `claimAndDispatch` check `live`).
//
// Some such rows no claim takes back: a run-now whose reply was lost (its client was answered
// 503, so it is not started later behind the client's back), a tick whose job moved to
// another node or that fell out of the bounded backlog. Every `orphanSweepInterval` seconds
// the node records `lost` its own `pending` rows claimed more than `orphanAfter` seconds ago
// that it does not hold (neither live nor with a record on its way), with an output that says
// why; a lost run is retried while the job's retries allow. The sweep waits while ticks wait
// for the store, so that a reclaim always comes first.
import Logging

extension RunDispatcher {
    /// A tick whose claim failed waits for the store (bounded: the oldest goes first).
    func waitForStore(_ claim: TickClaim, error: StoreError) {
        guard case .unavailable = error else {
            logger.error("tick not claimed", metadata: ["job_id": "\(claim.jobID)", "scheduled_at": "\(claim.scheduledAt)", "error": "\(error)"])
            return
        }
        if unclaimed.isEmpty {
            logger.warning("ticks wait for the store", metadata: ["job_id": "\(claim.jobID)", "error": "\(error)"])
        }
        keepUnclaimed(claim)
        if !storeRetryTimer.isActive {
            storeRetryTimer.start(after: configuration.storeRetryInterval)
        }
    }

    /// Keeps a tick to claim later (bounded: the oldest goes first, with an error log).
    func keepUnclaimed(_ claim: TickClaim) {
        if let dropped = unclaimed.append(claim) {
            metrics.ticksDropped.increment()
            logger.error("tick dropped: too many waiting for the store", metadata: [
                "job_id": "\(dropped.jobID)", "scheduled_at": "\(dropped.scheduledAt)", "waiting": "\(unclaimed.count)"])
        }
    }

    func claimWaiting() {
        guard !stopping, !fenced, !clockStopped, !unclaimed.isEmpty else { return }
        let waiting = unclaimed.takeAll()
        logger.info("claiming ticks that waited for the store", metadata: ["ticks": "\(waiting.count)"])
        // Through `fire`, so that forbid/replace hold among the waiting ticks too.
        for claim in waiting {
            fire(jobID: claim.jobID, tick: claim.scheduledAt, attempt: claim.attempt, reclaim: true)
        }
    }

    /// Records this node's orphaned `pending` rows lost (see the file's header).
    func recordOrphans() {
        guard !stopping, !fenced, unclaimed.isEmpty else { return }
        runStore.recordOrphans(nodeID: configuration.nodeID, holding: live.runIDs, olderThan: configuration.orphanAfter) { [self] outcome in
            switch outcome {
            case .success(let runIDs):
                for runID in runIDs {
                    logger.warning("run recorded lost: its claim's reply was lost and no claim took it back", metadata: [
                        "run_id": "\(runID)", "node_id": "\(configuration.nodeID)"])
                }
            case .failure(let error):
                logger.debug("orphaned runs not swept", metadata: ["error": "\(error)"])
            }
        }
    }
}
