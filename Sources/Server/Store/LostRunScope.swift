// LostRunScope: which unfinished runs RunStore.recordLost records lost (issue 12, contract 3).
// A run is lost when no process can still finish it: the node that claimed it holds no live
// lease, or this process is starting under the node id of one that left runs unfinished.
public enum LostRunScope: Equatable, Sendable {
    /// Runs whose node has no live lease (expired, or released by a graceful stop).
    case unleased
    /// Every unfinished run of this node id: what an earlier process with it left behind,
    /// recorded by a new process right after it acquired the lease, before it claims anything.
    case node(String)
}
