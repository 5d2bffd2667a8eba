// Ownership: the seam between the firing layer and whoever decides which jobs this node
// fires. The cluster agent implements it over Redis (a leader assigns jobs to nodes); a
// single-node embedded mode would own every job. The firing layer never names the cluster:
// it hears own/disown/refresh through `OwnershipDelegate` and reports what it learns about
// each job's cost (its fire times, its run times), from which the owner side weighs jobs.

/// What decides ownership, as the firing layer sees it.
public protocol Ownership: AnyObject {
    /// The firing layer; set once, before the ownership source starts.
    var delegate: OwnershipDelegate? { get set }
    /// A job entered this node's wheel with these fire times (a new definition).
    func jobScheduled(_ job: Job, times: FireTimes)
    /// A job left the wheel (paused, done, moved, deleted).
    func jobUnscheduled(_ jobID: Int64)
    /// An owned job was loaded on its arrival (adoption), scheduled or not.
    func jobAdopted(_ jobID: Int64)
    /// A run of a job took this long on this node (ms).
    func runTook(jobID: Int64, milliseconds: Double)
    /// Asks the node running these runs to stop them (a `replace` job's tick claimed here
    /// while they were unfinished there).
    func cancelRuns(_ runIDs: [Int64], on node: String)
}

/// The firing layer, as the ownership source drives it.
public protocol OwnershipDelegate: AnyObject {
    /// Jobs this node owns (some perhaps still loading).
    var owned: Set<Int64> { get }
    /// Whether an owned job is loaded (its adoption finished).
    func isLoaded(_ jobID: Int64) -> Bool
    /// Jobs in the wheel.
    var scheduledCount: Int { get }
    /// Takes jobs: their rows and last ticks are loaded (batched), then missed ticks follow
    /// each job's misfire policy.
    func own(_ ids: [Int64])
    /// Drops jobs (moved to another node, or deleted). Their runs in flight finish.
    func disown(_ ids: [Int64])
    /// Jobs deleted: dropped like `disown`, and their runs on this node stopped (recorded
    /// cancelled), whoever owned them.
    func deleted(_ ids: [Int64])
    /// Runs of this node to stop (POST /runs/{id}/cancel, wherever it was asked).
    func cancelRuns(_ runIDs: [Int64])
    /// Jobs changed elsewhere: re-read those this node owns.
    func refresh(_ ids: [Int64])
    /// A job this node's API changed (committed): applied at once when owned.
    func changed(_ job: Job)
}
