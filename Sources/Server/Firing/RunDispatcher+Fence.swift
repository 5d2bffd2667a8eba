// RunDispatcher+Fence: what the firing layer does while the node lease is fenced (issue 12,
// contract 3). A node that could not renew its lease for half its TTL may be cut off, and the
// others will record its runs lost (and retry them) once the lease expires: so it stops them
// first. Runs won but not started (waiting for a worker slot, or whose claim was answered
// during the fence) are not run now and not recorded: their rows stay this node's and
// `pending`, and their ticks are held with the others; the reclaim made once the lease is
// renewed takes each row back and runs it — unless the lease lapsed meanwhile and the sweep
// recorded the row lost (then it is retried, if at all, by the job's owner), so nothing that
// never started is lost to a short fence. Live ones are killed at once (SIGKILL to their process groups, no --kill-grace: the fence comes at half the lease,
// and a grace as long as that would let a script outlive it) and recorded lost when their
// worker reports — each write reaches the store if and when it answers, and a row the sweep
// recorded lost first stays as it is (`lost` is final). Ticks and retries that come due while
// fenced are not claimed: they wait with the ticks that wait for the store (the same bounded
// backlog; a fence usually means PostgreSQL is away) and are claimed once the lease is renewed,
// through the concurrency policies, so the unique row still lets each run once in the
// cluster. Run-nows are refused.
import Logging
import Worker

extension RunDispatcher {
    /// Appended to the output of a run the fence stopped.
    static let fencedNote = "dsched: lost: the node could not renew its lease and stopped this run\n"

    /// Stops every run of this node and claims nothing until `unfence`.
    func fence() {
        guard !fenced else { return }
        fenced = true
        for request in waiting.removeAllItems() {
            if let run = live.remove(request.runID) {
                keepUnclaimed(run.claim)
            }
        }
        coalescing.removeAll()
        nodeFull = false
        let dispatched = live.runIDs.filter { live[$0]?.dispatched == true }
        fencedRuns.formUnion(dispatched)
        dispatched.forEach(workers.kill)
        logger.warning("runs stopped: the node is fenced", metadata: [
            "node_id": "\(configuration.nodeID)", "runs": "\(dispatched.count)"])
    }

    /// The lease is renewed again: the ticks held meanwhile are claimed now.
    func unfence() {
        guard fenced else { return }
        fenced = false
        claimWaiting()
    }
}
