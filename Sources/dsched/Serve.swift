// Serve: `dsched serve`, a node master. Options carry the seed's configuration names
// (`--PORT`, `--PGHOST`, ...); each may also come from the environment variable of the same
// name, and a flag wins over the environment.
import ArgumentParser
import Logging
import Glibc
import Server
import Worker

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scheduler node: the HTTP API, the timing wheel and the worker supervisor.",
        discussion: "Every option can also be set through the environment variable named in its help; a flag wins over the environment."
    )

    @Option(name: .long, help: "Address to listen on (env DSCHED_HOST, default 127.0.0.1).")
    var host: String?

    @Option(name: .customLong("PORT"), help: "HTTP port (env PORT, default 8080; 0 picks a free port).")
    var port: Int?

    @Option(name: .long, help: "A second HTTP port on the --host address serving only GET /metrics, without a token, for Prometheus (env DSCHED_METRICS_PORT; default none: /metrics is on --PORT behind the token; 0 picks a free port).")
    var metricsPort: Int?

    @Option(name: .customLong("PGHOST"), help: "PostgreSQL host (env PGHOST, default localhost).")
    var pgHost: String?

    @Option(name: .customLong("PGPORT"), help: "PostgreSQL port (env PGPORT, default 5432).")
    var pgPort: Int?

    @Option(name: .customLong("PGUSER"), help: "PostgreSQL user (env PGUSER, default postgres).")
    var pgUser: String?

    @Option(name: .customLong("PGPASSWORD"), help: "PostgreSQL password (env PGPASSWORD, default empty).")
    var pgPassword: String?

    @Option(name: .customLong("PGDATABASE"), help: "PostgreSQL database (env PGDATABASE, default dsched).")
    var pgDatabase: String?

    @Option(name: .customLong("REDISHOST"), help: "Redis host (env REDISHOST, default localhost).")
    var redisHost: String?

    @Option(name: .customLong("REDISPORT"), help: "Redis port (env REDISPORT, default 6379).")
    var redisPort: Int?

    @Option(name: .customLong("CHANNEL"), help: "Redis pub/sub channel for job and node events (env CHANNEL, default dsched:channel).")
    var channel: String?

    @Option(name: .customLong("PROCESS_STORE"), help: "Redis key of the live nodes and their load (env PROCESS_STORE, default dsched:process_store).")
    var processStore: String?

    @Option(name: .customLong("JOB_STORE"), help: "Redis key of the jobs waiting for an owner (env JOB_STORE, default dsched:job_store).")
    var jobStore: String?

    @Option(name: .customLong("JOB_PROCESSED"), help: "Redis key of the job → owner map (env JOB_PROCESSED, default dsched:job_processed).")
    var jobProcessed: String?

    @Option(name: .long, help: "Bearer token every /jobs request must carry (env DSCHED_API_TOKEN; default none; empty counts as none).")
    var apiToken: String?

    @Option(name: .long, help: "File holding the bearer token, less its trailing newline; empty means none (env DSCHED_API_TOKEN_FILE).")
    var apiTokenFile: String?

    @Flag(name: .long, help: "Allow listening on a non-loopback address without --api-token (env DSCHED_INSECURE_NO_AUTH=1).")
    var insecureNoAuth = false

    @Option(name: .long, help: "Seconds a request may wait for PostgreSQL before it gets 503 (env DSCHED_PG_QUEUE_TIMEOUT, default 5).")
    var pgQueueTimeout: Double?

    @Option(name: .long, help: "Connections to PostgreSQL (env DSCHED_PG_CONNECTIONS, default 2).")
    var pgConnections: Int?

    @Option(name: .long, help: "Queries that may wait for PostgreSQL; beyond, requests get 503 (env DSCHED_PG_MAX_QUEUED, default 10000).")
    var pgMaxQueued: Int?

    @Option(name: .long, help: "Worker processes (env DSCHED_WORKERS, default: the number of cores).")
    var workers: Int?

    @Option(name: .long, help: "Scripts one worker runs at once (env DSCHED_WORKER_CONCURRENCY, default 16).")
    var workerConcurrency: Int?

    @Option(name: .long, help: "Seconds a run of a job without a timeout may take; 0 for no limit (env DSCHED_MAX_RUN_TIME, default 0).")
    var maxRunTime: Double?

    @Option(name: .long, help: "Runs of one job waiting for a worker slot; later ticks are recorded skipped (env DSCHED_MAX_WAITING_PER_JOB, default 10).")
    var maxWaitingPerJob: Int?

    @Option(name: .long, help: "Runs of one job on this node's workers at once (env DSCHED_MAX_RUNNING_PER_JOB, default: half the node's slots).")
    var maxRunningPerJob: Int?

    @Option(name: .long, help: "The shortest period of a repeating job, in ms (env DSCHED_MIN_FREQUENCY, default 100).")
    var minFrequency: Int?

    @Option(name: .long, help: "User the scripts run as, with its group and supplementary groups, through setpriv; must exist, and the node must be root (env DSCHED_RUN_AS; default: the node's own user).")
    var runAs: String?

    @Option(name: .long, help: "Comma-separated users a job's run_as may name; each must exist, and the node must be root (env DSCHED_ALLOWED_USERS; default: none, so a job's run_as is refused).")
    var allowedUsers: String?

    @Option(name: .long, help: "A cgroup v2 directory delegated to dsched, writable by it: each run gets a cgroup of its own under it (env DSCHED_CGROUP; default: none, runs are bounded by process groups and rlimits).")
    var cgroup: String?

    @Option(name: .long, help: "Seconds between TERM and KILL for a run that times out or is cancelled (env DSCHED_KILL_GRACE, default 5).")
    var killGrace: Double?

    @Option(name: .long, help: "Seconds a worker may go without answering the master's pings before it is killed and its runs recorded lost (env DSCHED_WORKER_TIMEOUT, default 10, at least 1).")
    var workerTimeout: Double?

    @Option(name: .long, help: "Bytes of a run's output kept, the tail (env DSCHED_OUTPUT_LIMIT, default 65536).")
    var outputLimit: Int?

    @Option(name: .long, help: "Seconds between reloads of the job table (env DSCHED_RELOAD_INTERVAL, default 2).")
    var reloadInterval: Double?

    @Option(name: .long, help: "This node's name in the cluster and in run history: letters, digits, . _ : - (env DSCHED_NODE_ID, default host-pid).")
    var nodeID: String?

    @Option(name: .long, help: "Seconds between heartbeats to the cluster (env DSCHED_HEARTBEAT, default 0.5).")
    var heartbeat: Double?

    @Option(name: .long, help: "Seconds without a heartbeat after which a node is dead and its jobs fail over (env DSCHED_NODE_TTL, default 3 heartbeats).")
    var nodeTTL: Double?

    @Option(name: .long, help: "Seconds a node's lease in PostgreSQL lasts, renewed every heartbeat (at most every quarter lease): a node that cannot renew it for half of it stops its runs, and once it expires other nodes record its unfinished runs lost; a restart under the same --node-id after kill -9 waits for it (env DSCHED_NODE_LEASE, default 10, 1 to 86400).")
    var nodeLease: Double?

    @Option(name: .long, help: "Seconds between reconciliations of Redis with PostgreSQL and rebalancing checks (env DSCHED_RECONCILE_INTERVAL, default 5).")
    var reconcileInterval: Double?

    @Option(name: .long, help: "Redis commands that may wait for a connection; beyond, they fail (env DSCHED_REDIS_MAX_QUEUED, default 10000).")
    var redisMaxQueued: Int?

    @Option(name: .long, help: "Largest request line + headers in bytes; beyond → 431 (env DSCHED_MAX_HEADER_BYTES, default 16384).")
    var maxHeaderBytes: Int?

    @Option(name: .long, help: "Largest request body in bytes; beyond → 413 (env DSCHED_MAX_BODY_BYTES, default 1048576).")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "Most open client connections; beyond → 503 and close (env DSCHED_MAX_CONNECTIONS, default 16384).")
    var maxConnections: Int?

    @Option(name: .long, help: "Seconds a request's headers may take to arrive; beyond → 408 and close (env DSCHED_HEADER_TIMEOUT, default 10).")
    var headerTimeout: Double?

    @Option(name: .long, help: "Seconds a request body may take to arrive; beyond → 408 and close (env DSCHED_BODY_TIMEOUT, default 30).")
    var bodyTimeout: Double?

    @Option(name: .long, help: "Seconds an idle keep-alive connection stays open (env DSCHED_IDLE_TIMEOUT, default 60).")
    var idleTimeout: Double?

    @Option(name: .long, help: "Seconds a client may leave responses unread before it is closed (env DSCHED_WRITE_TIMEOUT, default 30).")
    var writeTimeout: Double?

    @Option(name: .long, help: "Seconds in-flight requests get to finish on SIGTERM/SIGINT (env DSCHED_SHUTDOWN_GRACE, default 10).")
    var shutdownGrace: Double?

    @Option(name: .long, help: "Seconds of error allowed in this node's estimate of its offset to PostgreSQL's clock; beyond, or with no estimate, the node stops firing ticks until it can measure again (env DSCHED_MAX_CLOCK_SKEW, default 0.5, at most 60).")
    var maxClockSkew: Double?

    @Option(name: .long, help: "Runs that ended longer ago are pruned, as a duration (30d, 12h, 90s; 1s to 36500d); a job's latest tick and live runs never (env DSCHED_RUN_RETENTION, default 30d).")
    var runRetention: String?

    @Option(name: .long, help: "Runs kept per job without a keep_runs of its own, newest first (env DSCHED_MAX_RUNS_PER_JOB, default 10000, 1 to 1000000).")
    var maxRunsPerJob: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env DSCHED_LOG_LEVEL, default info).")
    var logLevel: String?

    func resolve(_ settings: Settings = Settings()) throws -> NodeConfiguration {
        var config = NodeConfiguration()
        config.host = settings.string(host, env: "DSCHED_HOST", default: config.host)
        config.port = try settings.int(port, env: "PORT", default: config.port, range: 0...65535)
        if metricsPort != nil || settings.environment["DSCHED_METRICS_PORT"] != nil {
            config.metricsPort = try settings.int(metricsPort, env: "DSCHED_METRICS_PORT", default: 0, range: 0...65535)
        }
        if let metrics = config.metricsPort, metrics != 0, metrics == config.port {
            throw ValidationError("DSCHED_METRICS_PORT (--metrics-port) must differ from PORT (--PORT): both are \(metrics)")
        }
        config.postgres.host = settings.string(pgHost, env: "PGHOST", default: config.postgres.host)
        config.postgres.port = try settings.int(pgPort, env: "PGPORT", default: config.postgres.port, range: 1...65535)
        config.postgres.user = settings.string(pgUser, env: "PGUSER", default: config.postgres.user)
        config.postgres.password = settings.string(pgPassword, env: "PGPASSWORD", default: config.postgres.password)
        config.postgres.database = settings.string(pgDatabase, env: "PGDATABASE", default: config.postgres.database)
        config.redis.host = settings.string(redisHost, env: "REDISHOST", default: config.redis.host)
        config.redis.port = try settings.int(redisPort, env: "REDISPORT", default: config.redis.port, range: 1...65535)
        config.keys.channel = settings.string(channel, env: "CHANNEL", default: config.keys.channel)
        config.keys.processStore = settings.string(processStore, env: "PROCESS_STORE", default: config.keys.processStore)
        config.keys.jobStore = settings.string(jobStore, env: "JOB_STORE", default: config.keys.jobStore)
        config.keys.jobProcessed = settings.string(jobProcessed, env: "JOB_PROCESSED", default: config.keys.jobProcessed)
        config.http.maxHeadBytes = try settings.int(maxHeaderBytes, env: "DSCHED_MAX_HEADER_BYTES", default: config.http.maxHeadBytes, range: 256...(1 << 20))
        config.http.maxBodyBytes = try settings.int(maxBodyBytes, env: "DSCHED_MAX_BODY_BYTES", default: config.http.maxBodyBytes, range: 0...(256 << 20))
        config.http.maxConnections = try settings.int(maxConnections, env: "DSCHED_MAX_CONNECTIONS", default: config.http.maxConnections, range: 1...1_000_000)
        config.http.headerTimeout = try settings.seconds(headerTimeout, env: "DSCHED_HEADER_TIMEOUT", default: config.http.headerTimeout)
        config.http.bodyTimeout = try settings.seconds(bodyTimeout, env: "DSCHED_BODY_TIMEOUT", default: config.http.bodyTimeout)
        config.http.idleTimeout = try settings.seconds(idleTimeout, env: "DSCHED_IDLE_TIMEOUT", default: config.http.idleTimeout)
        config.http.writeTimeout = try settings.seconds(writeTimeout, env: "DSCHED_WRITE_TIMEOUT", default: config.http.writeTimeout)
        config.apiToken = try resolveAPIToken(settings)
        config.insecureNoAuth = insecureNoAuth || settings.environment["DSCHED_INSECURE_NO_AUTH"] == "1"
        config.postgres.queueTimeout = try settings.seconds(pgQueueTimeout, env: "DSCHED_PG_QUEUE_TIMEOUT", default: config.postgres.queueTimeout)
        config.postgres.connections = try settings.int(pgConnections, env: "DSCHED_PG_CONNECTIONS", default: config.postgres.connections, range: 1...64)
        config.postgres.maxQueued = try settings.int(pgMaxQueued, env: "DSCHED_PG_MAX_QUEUED", default: config.postgres.maxQueued, range: 1...1_000_000)
        config.workers = try settings.int(workers, env: "DSCHED_WORKERS", default: config.workers, range: 1...256)
        config.maxConcurrentPerWorker = try settings.int(workerConcurrency, env: "DSCHED_WORKER_CONCURRENCY", default: config.maxConcurrentPerWorker, range: 1...4096)
        if let name = runAs ?? settings.environment["DSCHED_RUN_AS"] {
            do {
                config.runAs = try RunAsUser.resolve(name).name
            } catch {
                throw ValidationError("--run-as: \(error)")
            }
        }
        config.allowedUsers = try Self.resolveAllowedUsers(allowedUsers ?? settings.environment["DSCHED_ALLOWED_USERS"])
        if let path = cgroup ?? settings.environment["DSCHED_CGROUP"], !path.isEmpty {
            do {
                try Cgroup.check(path)
            } catch {
                throw ValidationError("--cgroup: \(error)")
            }
            config.cgroup = path
        }
        config.killGrace = try settings.seconds(killGrace, env: "DSCHED_KILL_GRACE", default: config.killGrace)
        config.workerTimeout = try settings.seconds(workerTimeout, env: "DSCHED_WORKER_TIMEOUT", default: config.workerTimeout)
        guard config.workerTimeout >= 1 else {
            // The master pings every 0.5 s: a shorter timeout would kill workers that answer.
            throw ValidationError("DSCHED_WORKER_TIMEOUT must be at least 1 second, got \(config.workerTimeout)")
        }
        config.maxRunTime = try settings.seconds(maxRunTime, env: "DSCHED_MAX_RUN_TIME", default: config.maxRunTime, zeroAllowed: true)
        config.maxWaitingPerJob = try settings.int(maxWaitingPerJob, env: "DSCHED_MAX_WAITING_PER_JOB", default: config.maxWaitingPerJob, range: 1...100_000)
        let slots = config.workers * config.maxConcurrentPerWorker
        config.maxRunningPerJob = try settings.int(maxRunningPerJob, env: "DSCHED_MAX_RUNNING_PER_JOB", default: max(slots / 2, 1), range: 1...1_000_000)
        config.minFrequency = Int64(try settings.int(minFrequency, env: "DSCHED_MIN_FREQUENCY", default: Int(config.minFrequency), range: 1...86_400_000))
        config.outputLimit = try settings.int(outputLimit, env: "DSCHED_OUTPUT_LIMIT", default: config.outputLimit, range: 0...(64 << 20))
        config.reloadInterval = try settings.seconds(reloadInterval, env: "DSCHED_RELOAD_INTERVAL", default: config.reloadInterval)
        config.nodeID = settings.string(nodeID, env: "DSCHED_NODE_ID", default: config.nodeID)
        guard (1...128).contains(config.nodeID.utf8.count),
              config.nodeID.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || "._:-".unicodeScalars.contains($0) }) else {
            throw ValidationError("DSCHED_NODE_ID must be 1-128 letters, digits, '.', '_', ':' or '-', got \"\(config.nodeID)\"")
        }
        config.heartbeat = try settings.seconds(heartbeat, env: "DSCHED_HEARTBEAT", default: config.heartbeat)
        config.nodeTTL = try settings.seconds(nodeTTL, env: "DSCHED_NODE_TTL", default: 3 * config.heartbeat)
        guard config.nodeTTL > config.heartbeat else {
            throw ValidationError("DSCHED_NODE_TTL (\(config.nodeTTL) s) must be longer than DSCHED_HEARTBEAT (\(config.heartbeat) s)")
        }
        config.nodeLease = try settings.seconds(nodeLease, env: "DSCHED_NODE_LEASE", default: config.nodeLease)
        guard (1...86_400).contains(config.nodeLease) else {
            throw ValidationError("DSCHED_NODE_LEASE must be 1 to 86400 seconds, got \(config.nodeLease)")
        }
        config.reconcileInterval = try settings.seconds(reconcileInterval, env: "DSCHED_RECONCILE_INTERVAL", default: config.reconcileInterval)
        config.redis.maxQueued = try settings.int(redisMaxQueued, env: "DSCHED_REDIS_MAX_QUEUED", default: config.redis.maxQueued, range: 1...1_000_000)
        config.maxClockSkew = try settings.seconds(maxClockSkew, env: "DSCHED_MAX_CLOCK_SKEW", default: config.maxClockSkew)
        guard config.maxClockSkew <= 60 else {
            throw ValidationError("DSCHED_MAX_CLOCK_SKEW must be at most 60 seconds (it is in seconds, not ms), got \(config.maxClockSkew)")
        }
        config.shutdownGrace = try settings.seconds(shutdownGrace, env: "DSCHED_SHUTDOWN_GRACE", default: config.shutdownGrace)
        let retention = settings.string(runRetention, env: "DSCHED_RUN_RETENTION", default: "30d")
        guard let age = RetentionRules.maxAge(retention) else {
            throw ValidationError("DSCHED_RUN_RETENTION must be a duration from 1s to 36500d (30d, 12h, 90s), got \"\(retention)\"")
        }
        config.retention.maxAgeMilliseconds = age
        config.retention.defaultKeep = try settings.int(maxRunsPerJob, env: "DSCHED_MAX_RUNS_PER_JOB", default: config.retention.defaultKeep,
                                                        range: RetentionRules.keepRange)
        return config
    }

    /// The users of `--allowed-users` ("alice,bob"), each resolved: it must exist and the node
    /// must be able to switch to it. Empty text: none.
    private static func resolveAllowedUsers(_ text: String?) throws -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var names: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part)
            guard !name.isEmpty else { throw ValidationError("--allowed-users: an empty name in \"\(text)\"") }
            do {
                names.append(try RunAsUser.resolve(name).name)
            } catch {
                throw ValidationError("--allowed-users: \(error)")
            }
        }
        return Array(Set(names)).sorted()
    }

    /// The token from `--api-token` or `--api-token-file`, else from their variables; an empty
    /// one is none. Both of one kind at once is an error.
    private func resolveAPIToken(_ settings: Settings) throws -> String? {
        let token: String?
        if apiToken != nil || apiTokenFile != nil {
            guard apiToken == nil || apiTokenFile == nil else {
                throw ValidationError("give --api-token or --api-token-file, not both")
            }
            token = try apiToken ?? apiTokenFile.map(APITokenFile.read)
        } else {
            let environment = settings.environment
            guard environment["DSCHED_API_TOKEN"] == nil || environment["DSCHED_API_TOKEN_FILE"] == nil else {
                throw ValidationError("set DSCHED_API_TOKEN or DSCHED_API_TOKEN_FILE, not both")
            }
            token = try environment["DSCHED_API_TOKEN"] ?? environment["DSCHED_API_TOKEN_FILE"].map(APITokenFile.read)
        }
        return NodeConfiguration.apiToken(token)
    }

    func run() throws {
        let settings = Settings()
        var configuration = try resolve(settings)
        // The secrets are in the configuration now: out of reach of a script of the same user.
        try ProcessSecrets.makeNotDumpable()
        ProcessSecrets.dropFromEnvironment()
        configuration.logLevel = settings.string(logLevel, env: "DSCHED_LOG_LEVEL", default: "info")
        try LoggingSystem.bootstrapStandardError(level: logLevel, settings: settings)
        let logger = Logger(label: "dsched")
        if configuration.runAs == nil && geteuid() == 0 {
            logger.warning("scripts run as root: any job can read and change everything on this host; set --run-as USER (env DSCHED_RUN_AS)")
        }
        do {
            try Node(configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("node failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
