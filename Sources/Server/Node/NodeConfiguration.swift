// NodeConfiguration: everything a node is told at start-up, already resolved
// (command-line flag, else environment variable, else default) and validated.
import Glibc

public struct NodeConfiguration: Sendable {
    public struct Postgres: Sendable {
        public var host = "localhost"
        public var port = 5432
        public var user = "postgres"
        public var password = ""
        public var database = "dsched"
        /// Connections to PostgreSQL (group-commit batches in flight at once).
        public var connections = 2
        /// Queries waiting for a connection; beyond, requests get 503.
        public var maxQueued = 10_000
        /// Seconds a query may wait for a connection before its request gets 503.
        public var queueTimeout = 5.0
        public init() {}
    }

    public struct Redis: Sendable {
        public var host = "localhost"
        public var port = 6379
        /// Commands that may wait for a Redis connection; beyond, they fail at once.
        public var maxQueued = 10_000
        public init() {}
    }

    /// Redis key names, after the seed's configuration names.
    public struct RedisKeys: Sendable {
        public var channel = "dsched:channel"
        public var processStore = "dsched:process_store"
        public var jobStore = "dsched:job_store"
        public var jobProcessed = "dsched:job_processed"
        public init() {}
    }

    public var host = "127.0.0.1"
    public var port = 8080
    /// A second port on `host` that serves only `GET /metrics`, without a token (for
    /// scrapers); nil: none (the metrics are on `port`, behind the token). 0: any free port.
    public var metricsPort: Int?
    public var postgres = Postgres()
    public var redis = Redis()
    public var keys = RedisKeys()
    public var http = HTTPLimits()
    /// Bearer token the job API requires; nil leaves it open (loopback only, unless insecureNoAuth).
    /// Never empty: set it through `apiToken(_:)`.
    public var apiToken: String?
    /// Allows listening on a non-loopback address without a token.
    public var insecureNoAuth = false
    /// This node's name in the cluster and in run history; unique among live nodes.
    public var nodeID = NodeConfiguration.defaultNodeID()
    /// Seconds between heartbeats.
    public var heartbeat = 0.5
    /// Seconds without a heartbeat after which a node is dead (and the leader lease lapses).
    public var nodeTTL = 1.5
    /// Seconds a node lease lasts from each renewal (renewed every heartbeat): after a node
    /// stops renewing it (kill -9, cut off from PostgreSQL), its runs are recorded lost within
    /// about this plus one sweep; it fences itself after half of it. (issue 12, contract 3)
    public var nodeLease = 10.0
    /// Seconds between the leader's reconciliations of Redis with PostgreSQL and rebalancing
    /// checks, and between owners' re-reads of their share.
    public var reconcileInterval = 5.0
    /// Worker processes the master spawns and supervises.
    public var workers = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    /// Scripts one worker runs at once.
    public var maxConcurrentPerWorker = 16
    /// Seconds a run of a job without a timeout may take (0: no limit).
    public var maxRunTime = 0.0
    /// Runs of one job waiting for a worker slot; later ticks are recorded skipped.
    public var maxWaitingPerJob = 10
    /// Runs of one job on this node's workers at once; nil: half the node's slots (at least 1),
    /// so that no job can hold every slot.
    public var maxRunningPerJob: Int?
    /// The shortest period a repeating job may have, ms.
    public var minFrequency: Int64 = 100
    /// The user scripts run as (resolved at start: it exists); nil: the node's own user.
    public var runAs: String?
    /// The users a job's `run_as` may name (each resolved at start: it exists); empty: none,
    /// so a job naming any user is refused.
    public var allowedUsers: [String] = []
    /// A cgroup v2 directory delegated to dsched (checked at start: Cgroup.check), under which
    /// each run gets a cgroup of its own; nil: none.
    public var cgroup: String?
    /// Seconds between TERM and KILL when a run times out or is cancelled.
    public var killGrace = 5.0
    /// Seconds a worker may go without answering the master before it is killed and its runs
    /// recorded lost (Supervisor.Configuration.workerTimeout).
    public var workerTimeout = 10.0
    /// Bytes of a run's output kept (the tail).
    public var outputLimit = 64 * 1024
    /// Seconds between reloads of the job table into the wheel.
    public var reloadInterval = 2.0
    public var logLevel = "info"
    /// Largest error, in seconds, of this node's estimate of its offset to PostgreSQL's clock
    /// under which it fires ticks (ClockSync).
    public var maxClockSkew = 0.5
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    public var shutdownGrace = 10.0
    /// What run retention keeps (`--run-retention`, `--max-runs-per-job`).
    public var retention = RetentionRules()

    public init() {}

    /// The token as given by a flag or the environment, or nil when there is none: an empty
    /// (or all white space) token is no token, so `--api-token ""` or `DSCHED_API_TOKEN=`
    /// leaves the API open, and the node then refuses to listen off loopback.
    public static func apiToken(_ text: String?) -> String? {
        guard let text, !text.allSatisfy(\.isWhitespace) else { return nil }
        return text
    }

    /// host-pid: unique among live nodes, and readable in run history.
    static func defaultNodeID() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        return "\(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))-\(getpid())"
    }
}
