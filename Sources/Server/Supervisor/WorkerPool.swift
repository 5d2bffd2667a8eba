// WorkerPool: the seam between the firing layer and the processes that run its scripts. The
// firing layer dispatches runs and hears back through its delegate; `Supervisor` is the pool of
// `dsched worker` processes, and a test can stand in a pool of its own.
import Worker

/// What the firing layer hears from its workers (all calls on the reactor's loop).
public protocol WorkerPoolDelegate: AnyObject {
    /// A run's script is running on the worker with this pid; `at` is epoch ms.
    func runStarted(runID: Int64, workerPID: Int32, at: Int64)
    func runFinished(_ result: WorkerMessage.RunResult)
    /// Runs whose worker died (or was stopped) under them.
    func runsLost(_ requests: [WorkerMessage.RunRequest])
    /// A worker is ready for runs (after a start or a restart).
    func workerReady()
}

/// The workers that run what the firing layer dispatches. `Supervisor` implements it.
public protocol WorkerPool: AnyObject {
    var delegate: WorkerPoolDelegate? { get set }   // held weakly by the implementation
    func start()
    /// Staged stop (see Supervisor); `completion` runs once every worker is reaped (or after the last stage).
    func stop(completion: @escaping () -> Void)
    /// Runs the running workers can take now (each holds at most its capacity: see Supervisor).
    var freeSlots: Int { get }
    /// Sends a run to the least-loaded running worker with a free slot; false when none has one.
    func dispatch(_ request: WorkerMessage.RunRequest) -> Bool
    /// Asks the worker running `runID` to stop it (no-op when none holds it).
    func cancel(runID: Int64)
    /// Stops `runID` at once: SIGKILL to its script's process group, without the kill grace
    /// (the node lease's fence: the run must be gone before the lease can lapse), and its
    /// worker is told it is cancelled, so that it reports the run.
    func kill(runID: Int64)
    /// One line per worker slot, for GET /workers and the heartbeat.
    var workers: [WorkerInfo] { get }
}
