// ClusterKeys: the Redis names the cluster uses, after the seed's configuration names
// (PROCESS_STORE, JOB_STORE, JOB_PROCESSED, CHANNEL), and the keys derived from them.
//
//   PROCESS_STORE                 sorted set: live node → last heartbeat (Redis clock, ms)
//   PROCESS_STORE:load:<node>     string: the node's load figures (JSON), expiring with its TTL
//   PROCESS_STORE:leader          string: the leader's node id, a lease with a TTL
//   PROCESS_STORE:epoch           integer: the fencing epoch, +1 for every new lease
//   JOB_STORE                     sorted set: job waiting for an owner → its weight
//   JOB_PROCESSED                 hash: job → owner node
//   JOB_PROCESSED:<node>          sorted set: the node's share, job → weight
//   JOB_PROCESSED#weights         hash: node → its share's summed weight, kept by the scripts
//                                 ('#' is not allowed in node ids, so no share collides)
//   CHANNEL                       pub/sub: see ClusterMessage
//   CHANNEL:<node>                pub/sub: the node's heartbeat pings itself here, so that it
//                                 notices a subscription that no longer hears
//
// The derived keys are built inside Lua scripts, so one Redis instance (not Redis Cluster,
// which needs every key declared) holds the cluster's state.
public struct ClusterKeys: Sendable, Equatable {
    public var processStore: String
    public var jobStore: String
    public var jobProcessed: String
    public var channel: String

    public init(processStore: String, jobStore: String, jobProcessed: String, channel: String) {
        self.processStore = processStore
        self.jobStore = jobStore
        self.jobProcessed = jobProcessed
        self.channel = channel
    }

    /// The KEYS every cluster script receives, in this order.
    var scriptKeys: [String] { [processStore, jobStore, jobProcessed] }

    func share(of node: String) -> String { jobProcessed + ":" + node }

    func ownChannel(of node: String) -> String { channel + ":" + node }
}
