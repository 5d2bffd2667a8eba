// MetricDefinition: the one table of every metric a node exports, its kind, help text, labels
// and histogram buckets. The factory reads its help and buckets from here (swift-metrics'
// factory API carries neither), the README lists the same names, and a test holds the names
// to the Prometheus conventions (https://prometheus.io/docs/practices/naming/: a `dsched_`
// prefix, `_total` on counters, base units: `_seconds` on durations).

/// One exported metric family.
public struct MetricDefinition: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public let name: String
    public let kind: Kind
    public let help: String
    /// Label names, in the order they are given.
    public let labels: [String]
    /// Upper bounds of a histogram's buckets, in its unit (s, or a count); empty otherwise.
    public let buckets: [Double]

    init(_ name: String, _ kind: Kind, _ help: String, labels: [String] = [], buckets: [Double] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
        self.buckets = buckets
    }
}

extension MetricDefinition {
    /// Seconds, from a millisecond's round trip to a minute's wait.
    static let latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    /// Seconds, for runs: from a quick script to a day-long one.
    static let runBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400]

    static let httpRequests = MetricDefinition("dsched_http_requests_total", .counter,
        "HTTP requests answered, by method, route template (unmatched: no route) and status code.", labels: ["method", "route", "code"])
    static let httpDuration = MetricDefinition("dsched_http_request_duration_seconds", .histogram,
        "Time from a request's dispatch to its answer, by method and route template.", labels: ["method", "route"],
        buckets: latencyBuckets)

    static let jobs = MetricDefinition("dsched_jobs", .gauge,
        "Jobs this node owns, by state: scheduled (in its wheel), paused, done (done or without a tick left).", labels: ["state"])

    static let ticksFired = MetricDefinition("dsched_ticks_fired_total", .counter,
        "Ticks (and retries) that came due on this node.")
    static let ticksClaimed = MetricDefinition("dsched_ticks_claimed_total", .counter,
        "Ticks this node tried to claim for a run.")
    static let ticksWon = MetricDefinition("dsched_ticks_won_total", .counter,
        "Ticks this node claimed and won (it runs them).")
    static let ticksSkipped = MetricDefinition("dsched_ticks_skipped_total", .counter,
        "Ticks recorded skipped, by reason: forbid (a run of the job was live), backlog (too many runs waiting), misfire.",
        labels: ["reason"])
    public static let ticksMissed = MetricDefinition("dsched_ticks_missed_total", .counter,
        "Ticks of this node's jobs that passed with no run: dropped by the misfire policy when the node took the job or resumed firing (the tick audit shows them missed).")
    static let claimBatch = MetricDefinition("dsched_claim_batch_size", .histogram,
        "Ticks per claim statement sent to PostgreSQL.", buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000])

    static let runsFinished = MetricDefinition("dsched_runs_finished_total", .counter,
        "Runs this node recorded ended, by final status.", labels: ["status"])
    static let fireLateness = MetricDefinition("dsched_fire_lateness_seconds", .histogram,
        "Time from a run's tick to its script's start on a worker.", buckets: latencyBuckets)
    static let runDuration = MetricDefinition("dsched_run_duration_seconds", .histogram,
        "Time a run's script ran, start to end, by final status.", labels: ["status"], buckets: runBuckets)
    public static let runsPruned = MetricDefinition("dsched_runs_pruned_total", .counter,
        "Rows of job_run deleted by the retention.")

    static let backlog = MetricDefinition("dsched_backlog", .gauge,
        "Work waiting on this node, by queue: runs waiting for a worker, ticks waiting for PostgreSQL, retries timed.",
        labels: ["queue"])
    static let backlogDrops = MetricDefinition("dsched_backlog_dropped_total", .counter,
        "Entries dropped at a bound, by queue: ticks waiting for PostgreSQL (oldest first), retries.", labels: ["queue"])

    static let clientRoundTrip = MetricDefinition("dsched_client_round_trip_seconds", .histogram,
        "Time from sending a command to PostgreSQL or Redis to its answer, by service and connection.",
        labels: ["service", "connection"], buckets: latencyBuckets)
    static let clientErrors = MetricDefinition("dsched_client_errors_total", .counter,
        "Commands to PostgreSQL or Redis that failed (error answer, connection lost, queue timeout or full).",
        labels: ["service", "connection"])
    static let clientReconnects = MetricDefinition("dsched_client_reconnects_total", .counter,
        "Connections to PostgreSQL or Redis made again after one was lost or failed.", labels: ["service", "connection"])
    static let clientQueue = MetricDefinition("dsched_client_queue_depth", .gauge,
        "Commands queued or in flight to PostgreSQL or Redis, by service and connection.", labels: ["service", "connection"])

    static let workerRestarts = MetricDefinition("dsched_worker_restarts_total", .counter,
        "Worker processes restarted after they exited or could not start.")
    static let workersLive = MetricDefinition("dsched_workers", .gauge,
        "Worker slots by state: running, stopping, restarting, failed, stopped.", labels: ["state"])

    static let clusterMembers = MetricDefinition("dsched_cluster_members", .gauge,
        "Live nodes in the cluster, as the leader last read them (0 on other nodes).")
    static let clusterLeader = MetricDefinition("dsched_cluster_leader", .gauge,
        "1 while this node leads the cluster, else 0.")
    static let leaderChanges = MetricDefinition("dsched_cluster_leader_changes_total", .counter,
        "Times this node took (acquired) or lost the cluster's leadership.", labels: ["change"])
    static let failovers = MetricDefinition("dsched_cluster_failovers_total", .counter,
        "Nodes this node, as leader, declared dead and whose jobs it handed back.")
    static let failoverTime = MetricDefinition("dsched_cluster_failover_seconds", .histogram,
        "Time from a dead node's last heartbeat to the failover of its jobs.", buckets: latencyBuckets)
    static let jobsMoved = MetricDefinition("dsched_cluster_jobs_moved_total", .counter,
        "Jobs the leader gave a new owner, by cause: assign (waiting jobs), failover (back to waiting), rebalance.",
        labels: ["cause"])

    /// Every metric, in the order the README lists them.
    public static let all: [MetricDefinition] = [
        httpRequests, httpDuration, jobs, ticksFired, ticksClaimed, ticksWon, ticksSkipped, ticksMissed, claimBatch,
        runsFinished, fireLateness, runDuration, runsPruned, backlog, backlogDrops,
        clientRoundTrip, clientErrors, clientReconnects, clientQueue, workerRestarts, workersLive,
        clusterMembers, clusterLeader, leaderChanges, failovers, failoverTime, jobsMoved,
    ]
}
