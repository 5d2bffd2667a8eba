// RunStore: where runs are recorded. Claiming a tick is inserting its row: the UNIQUE (job_id,
// scheduled_at, attempt) constraint lets exactly one node win each tick, whatever the number
// of nodes and failovers. Retries are recorded too (`retry_at` on the run that failed), so that
// any node owning the job takes them. Completions run once, on the loop.
public protocol RunStore: AnyObject {
    /// Inserts rows for the claims (status `pending`; or `skipped`, with `skipReason` as the
    /// row's output, when one is given); returns the runs this node won (a claim another node
    /// already holds is absent). Under `concurrency` forbid, a claim whose job has a run
    /// unfinished on another node is inserted `skipped`, its output naming that run and node;
    /// under replace, a won run lists those runs in `replaces`. With `reclaim` (claims tried
    /// again after a failure), a tick's row that this node holds `pending` is won too, and
    /// given the claim's status and output: the first try may have committed and lost its
    /// reply. Claiming attempt N clears the `retry_at` of attempt N − 1 of the same tick.
    func claim(_ claims: [TickClaim], nodeID: String, skipReason: String?, concurrency: JobDraft.Concurrency, reclaim: Bool,
               completion: @escaping (Result<[Run], StoreError>) -> Void)
    /// Marks runs started on a worker.
    func started(runID: Int64, workerPID: Int32, at: Int64)
    /// Records how runs ended.
    func finished(_ run: Run)
    /// Whether recorded results are still on their way to the store (for a graceful stop).
    var hasPendingWrites: Bool { get }
    /// Marks a non-repeating job done after its run.
    func markDone(jobID: Int64)
    func run(id: Int64, completion: @escaping (Result<Run?, StoreError>) -> Void)
    /// A job's runs, newest first, with id < `before` (0: from the newest), at most `limit`.
    func runs(jobID: Int64, before: Int64, limit: Int, completion: @escaping (Result<[Run], StoreError>) -> Void)
    /// The latest tick recorded for each of these jobs that has one (misfire handling when a
    /// job arrives on a node).
    func lastTicks(jobIDs: [Int64], completion: @escaping (Result<[Int64: Int64], StoreError>) -> Void)
    /// Records the unfinished (`pending`, `running`) runs in `scope` as `lost`, each with
    /// `retry_at` = now when its job still has attempts left (`attempt <= retries`; none when
    /// the job was deleted); returns how many per node id.
    func recordLost(_ scope: LostRunScope, completion: @escaping (Result<[String: Int], StoreError>) -> Void)
    /// Records `lost` (with a retry due now while attempts remain) the node's `pending` rows
    /// claimed more than `olderThan` seconds ago that are not in `holding` nor have records on
    /// their way: claims committed whose reply was lost and that no claim took back; returns
    /// their run ids.
    func recordOrphans(nodeID: String, holding: [Int64], olderThan seconds: Double,
                       completion: @escaping (Result<[Int64], StoreError>) -> Void)
    /// The retries recorded for these jobs (any due time), of jobs not paused.
    func retries(jobIDs: [Int64], completion: @escaping (Result<[StoredRetry], StoreError>) -> Void)
    /// The retries due within `milliseconds` of the store's clock, of jobs not paused, soonest
    /// first, at most `limit`. Retries already claimed, and those of deleted jobs, are cleared
    /// on the way (not returned).
    func dueRetries(within milliseconds: Int64, limit: Int, completion: @escaping (Result<[StoredRetry], StoreError>) -> Void)
    /// Clears the `retry_at` of these runs: their retries will not run (over the bound).
    func dropRetries(runIDs: [Int64])
}

extension RunStore {
    /// A claim that no concurrency policy constrains (skipped ticks, run-nows).
    func claim(_ claims: [TickClaim], nodeID: String, skipReason: String?, completion: @escaping (Result<[Run], StoreError>) -> Void) {
        claim(claims, nodeID: nodeID, skipReason: skipReason, concurrency: .allow, reclaim: false, completion: completion)
    }
}
