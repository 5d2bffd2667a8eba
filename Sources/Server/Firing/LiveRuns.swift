// LiveRuns: the runs this node has claimed and not yet recorded, indexed by run and by job,
// and the ticks still being claimed per job. The concurrency policy (forbid, replace) reads
// it, and so does the dispatch of waiting runs (a job's `max_concurrency`, as its latest run
// carried it: also for a run-now of a job this node does not own); a pure value, tested
// without a store.

/// LiveRuns tracks claimed-but-unfinished runs of this node.
struct LiveRuns {
    /// A run between its won claim and its recorded end.
    struct Run: Equatable {
        let runID: Int64
        let claim: TickClaim
        /// Its job's retry rule when it was claimed: a run that ends after its job moved (or
        /// was dropped from the book) still records its retry for the job's next owner.
        let retry: RetryPolicy
        var workerPID: Int32?
        /// Epoch ms when its script started.
        var startedAt: Int64?
        /// Handed to a worker (not waiting for a slot).
        var dispatched = false
    }

    private var runs: [Int64: Run] = [:]
    private var byJob: [Int64: Set<Int64>] = [:]
    private var claiming = JobCounts()
    private var onWorkers = JobCounts()
    /// A job's own `max_concurrency`, from its latest inserted run; none: the node's cap.
    private var limits: [Int64: Int] = [:]

    var isEmpty: Bool { runs.isEmpty }
    var count: Int { runs.count }

    subscript(runID: Int64) -> Run? { runs[runID] }

    /// Every run id live on this node (O(runs)).
    var runIDs: [Int64] { Array(runs.keys) }

    /// Run ids of a job that are live on this node.
    func runIDs(of jobID: Int64) -> Set<Int64> { byJob[jobID] ?? [] }

    /// Whether a run of exactly this tick and attempt is live here.
    func holds(_ claim: TickClaim) -> Bool {
        runIDs(of: claim.jobID).contains { runs[$0]?.claim == claim }
    }

    /// Whether a job has a run live or a tick being claimed (what forbid and replace look at).
    func isBusy(_ jobID: Int64) -> Bool {
        byJob[jobID] != nil || isClaiming(jobID)
    }

    /// Runs of a job handed to workers (what a job's concurrency limit counts).
    func dispatchedCount(of jobID: Int64) -> Int { onWorkers.count(of: jobID) }

    /// Whether another run of a job may go to a worker: fewer of its runs are there than its
    /// own `max_concurrency` and than `nodeLimit` (`--max-running-per-job`).
    func mayDispatch(_ jobID: Int64, nodeLimit: Int) -> Bool {
        dispatchedCount(of: jobID) < min(limits[jobID] ?? nodeLimit, nodeLimit)
    }

    mutating func dispatched(runID: Int64) {
        guard let run = runs[runID], !run.dispatched else { return }
        runs[runID]?.dispatched = true
        onWorkers.add(run.claim.jobID)
    }

    /// Whether ticks of a job are being claimed.
    func isClaiming(_ jobID: Int64) -> Bool { claiming.count(of: jobID) > 0 }

    mutating func claimStarted(_ jobID: Int64) {
        claiming.add(jobID)
    }

    mutating func claimEnded(_ jobID: Int64) {
        claiming.remove(jobID)
    }

    /// A won run; `maxConcurrency` is its job's (nil: the node's cap), and holds for the job's
    /// runs from now on; `retry` is its job's retry rule.
    mutating func insert(runID: Int64, claim: TickClaim, maxConcurrency: Int?, retry: RetryPolicy = .never) {
        runs[runID] = Run(runID: runID, claim: claim, retry: retry)
        byJob[claim.jobID, default: []].insert(runID)
        limits[claim.jobID] = maxConcurrency
    }

    mutating func started(runID: Int64, workerPID: Int32, at: Int64) {
        runs[runID]?.workerPID = workerPID
        runs[runID]?.startedAt = at
    }

    /// Ends a run; nil when it was not live (already recorded).
    mutating func remove(_ runID: Int64) -> Run? {
        guard let run = runs.removeValue(forKey: runID) else { return nil }
        let jobID = run.claim.jobID
        byJob[jobID]?.remove(runID)
        if byJob[jobID]?.isEmpty == true {
            byJob[jobID] = nil
            limits[jobID] = nil
        }
        if run.dispatched {
            onWorkers.remove(jobID)
        }
        return run
    }
}
