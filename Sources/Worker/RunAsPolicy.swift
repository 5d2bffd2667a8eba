// RunAsPolicy: which user a run's script runs as — the job's `run_as` when it names one, else
// the node's `--run-as` user, else the worker's own. A job may name only a user of this node's
// `--allowed-users`: nodes of a cluster may allow different users (the API checked the list of
// the node that served the request, not of the one that runs it), so the worker checks again
// right before it spawns, and a run whose user is not allowed here, or does not exist here,
// never starts (it is recorded failed, with the reason) rather than running as another user.
// The user is resolved here, in the worker (getpwnam, at each run: users may change while the
// node runs), never on the master's loop.

public struct RunAsPolicy: Sendable, Equatable {
    /// The node's user for scripts (`--run-as`); nil: the worker's own.
    public var nodeUser: RunAsUser?
    /// The users a job may name in `run_as` (`--allowed-users`); empty: none.
    public var allowedUsers: Set<String>

    public init(nodeUser: RunAsUser? = nil, allowedUsers: Set<String> = []) {
        self.nodeUser = nodeUser
        self.allowedUsers = allowedUsers
    }

    /// The user a run of a job with `run_as` = `requested` runs as; nil: the worker's own.
    /// Throws `.notAllowed` for a user outside the allow-list, `.user` for one that does not
    /// exist or that this node cannot switch to (it is not root).
    public func user(for requested: String?) throws(ScriptRunError) -> RunAsUser? {
        guard let requested else { return nodeUser }
        guard allowedUsers.contains(requested) else { throw .notAllowed(user: requested) }
        do {
            return try RunAsUser.resolve(requested)
        } catch {
            throw .user(error)
        }
    }
}
