// WorkerPool: the seam between the firing layer and the processes that run its runs. The
// firing layer dispatches requests and hears back through the delegate; `Supervisor`
// implements it with master-spawned worker processes.
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
    var delegate: WorkerPoolDelegate? { get set }
    func start()
    /// Staged stop; `completion` runs once every worker is reaped (or after the last stage).
    func stop(completion: @escaping () -> Void)
    /// Sends a run to the least-loaded running worker; false when none is running.
    func dispatch(_ request: WorkerMessage.RunRequest) -> Bool
    /// Asks the worker running `runID` to stop it (no-op when none holds it).
    func cancel(runID: Int64)
    /// One line per worker slot, for GET /workers and the heartbeat.
    var workers: [WorkerInfo] { get }
}

/// One worker slot as GET /workers shows it.
public struct WorkerInfo: Sendable {
    public let slot: Int
    public let pid: Int32
    public let state: String
    public let inFlight: Int
    public let rssKilobytes: Int
    public let cpuMilliseconds: Int64
    public let restarts: Int
}
