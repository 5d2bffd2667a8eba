// Cluster: what the API needs from the cluster layer — to announce job changes (after they
// are committed) and to say who owns what. ClusterAgent implements it over Redis; a
// single-node embedded mode could implement it without Redis, the API unchanged.
public protocol Cluster: AnyObject {
    /// Jobs committed by this node's API: they wait for an owner.
    func jobsCreated(_ jobs: [Job])
    /// A committed change of a job's definition: its owner re-reads it.
    func jobChanged(_ job: Job)
    /// A committed deletion: the job leaves the cluster and its owner's wheel.
    func jobDeleted(id: Int64)
    /// Asks the node running these runs to stop them (it records them cancelled).
    func cancelRuns(_ runIDs: [Int64], on node: String)
    /// The node owning a job; nil while it waits for an owner.
    func owner(of jobID: Int64, completion: @escaping (Result<String?, ClusterError>) -> Void)
    /// The members, the leader and their load.
    func state(completion: @escaping (Result<ClusterState, ClusterError>) -> Void)
}

public enum ClusterError: Error, Equatable, CustomStringConvertible {
    /// The cluster's state cannot be read now (Redis is unreachable); retrying may succeed.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "cluster unavailable: \(reason)"
        }
    }
}
