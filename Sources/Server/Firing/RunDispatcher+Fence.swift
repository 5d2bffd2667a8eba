// RunDispatcher+Fence: what the firing layer does while the node lease is fenced (issue 12,
// contract 3). A node that could not renew its lease for half its TTL may be cut off, and the
// others will record its runs lost (and retry them) once the lease expires: so it stops them
// first. Runs waiting for a worker slot are recorded lost at once; live ones are killed at
// once (SIGKILL to their process groups, no --kill-grace: the fence comes at half the lease,
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
            loseWaiting(request.runID, reason: "the node was fenced before it started")
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

    func loseWaiting(_ runID: Int64, reason: String) {
        guard let run = live.remove(runID) else { return }
        record(run, status: .lost, result: nil, output: "dsched: lost: \(reason)\n")
    }
}
