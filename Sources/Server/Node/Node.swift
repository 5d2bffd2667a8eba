// Node: one `dsched serve` process — builds the reactor and the parts on it (PostgreSQL
// connections and stores, node lease, firing layer and workers, cluster agent on Redis, API, HTTP
// server, and its metrics with the `--metrics-port` listener). It first acquires its node lease
// (waiting while an earlier process's lease runs out; exiting if a live process holds it) and
// records that process's unfinished runs lost; only then does it listen, fire and join the
// cluster. It runs until SIGTERM/SIGINT, then hands its jobs back to the cluster, stops accepting,
// lets in-flight requests and runs finish (bounded), releases its lease last and returns. While
// the lease is fenced it fires nothing; if another process takes its lease it stops and `run`
// throws.
import EventLoop
import Glibc
import Logging

public final class Node {
    private let configuration: NodeConfiguration
    private let logger: Logger
    private let reactor: Reactor
    private let router = Router()
    private var server: HTTPServer!
    private let metrics = NodeMetrics()
    /// The `--metrics-port` listener: `GET /metrics` only, without a token.
    private var metricsServer: HTTPServer?
    private let postgres: PostgresPool
    /// One connection of its own for the lease and the clock: their round trips must not wait
    /// behind a queue of claims and records (a renewal stuck there would fence the node, and a
    /// clock sample would measure the queue).
    private let control: PostgresPool
    private let clock: ClockSync
    private let firing: FiringLayer
    private let cluster: ClusterAgent
    private let lease: NodeLease
    private let sweep: LostRunSweep
    /// Run retention, on a connection of its own (claims never wait behind a prune).
    private let maintenance: PostgresPool
    private let pruner: RunPruner
    private var signalWatchers: [SignalWatcher] = []
    private var started = false
    private var stopping = false
    /// Why the node stops on its own (the lease), thrown by `run`.
    private var failure: Error?

    public init(configuration: NodeConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        guard configuration.apiToken != nil || configuration.insecureNoAuth || Socket.isLoopback(configuration.host) else {
            throw NodeError.insecureListen(host: configuration.host)
        }
        reactor = try Reactor()
        var postgresConfiguration = PostgresConnection.Configuration(
            host: configuration.postgres.host, port: configuration.postgres.port, user: configuration.postgres.user,
            password: configuration.postgres.password, database: configuration.postgres.database)
        postgresConfiguration.maxQueued = configuration.postgres.maxQueued
        postgresConfiguration.queueTimeout = configuration.postgres.queueTimeout
        postgres = PostgresPool(reactor: reactor, configuration: postgresConfiguration, size: configuration.postgres.connections,
                                prelude: Migrations.script, logger: logger)
        control = PostgresPool(reactor: reactor, configuration: postgresConfiguration, size: 1, prelude: Migrations.script, logger: logger)
        postgres.measure(into: metrics, name: "main")
        control.measure(into: metrics, name: "control")
        var clockConfiguration = ClockSync.Configuration()
        clockConfiguration.maxSkew = configuration.maxClockSkew
        clock = ClockSync(reactor: reactor, postgres: control, configuration: clockConfiguration, logger: logger)
        // The API writes through the cache of just-created rows that adoption reads first.
        let store = RecentJobsCache(store: PostgresJobStore(postgres: postgres, nodeID: configuration.nodeID),
                                    clock: { [reactor] in reactor.monotonicNow })
        let runStore = PostgresRunStore(reactor: reactor, postgres: postgres, logger: logger)
        runStore.claimBatchSizes = metrics.claimBatch
        var leaseConfiguration = NodeLease.Configuration(nodeID: configuration.nodeID)
        leaseConfiguration.ttl = configuration.nodeLease
        leaseConfiguration.renewInterval = min(configuration.heartbeat, configuration.nodeLease / 4)
        lease = NodeLease(reactor: reactor, configuration: leaseConfiguration, postgres: control, logger: logger)
        sweep = LostRunSweep(reactor: reactor, nodeID: configuration.nodeID, interval: min(LostRunSweep.interval, configuration.nodeLease / 2),
                             runStore: runStore, logger: logger)
        var supervisorConfiguration = Supervisor.Configuration(workers: configuration.workers)
        supervisorConfiguration.maxConcurrentPerWorker = configuration.maxConcurrentPerWorker
        supervisorConfiguration.graceSeconds = configuration.killGrace
        supervisorConfiguration.workerTimeout = configuration.workerTimeout
        // A worker whose master is silent kills its runs by the time the node's lease could lapse.
        supervisorConfiguration.fenceSeconds = configuration.nodeLease / 2
        supervisorConfiguration.logLevel = configuration.logLevel
        supervisorConfiguration.runAs = configuration.runAs
        supervisorConfiguration.allowedUsers = configuration.allowedUsers
        supervisorConfiguration.cgroup = configuration.cgroup
        var redisConfiguration = RedisConnection.Configuration(host: configuration.redis.host, port: configuration.redis.port)
        redisConfiguration.maxQueued = configuration.redis.maxQueued
        var clusterConfiguration = ClusterAgent.Configuration(
            nodeID: configuration.nodeID, address: "\(configuration.host):\(configuration.port)", redis: redisConfiguration,
            keys: ClusterKeys(processStore: configuration.keys.processStore, jobStore: configuration.keys.jobStore,
                              jobProcessed: configuration.keys.jobProcessed, channel: configuration.keys.channel))
        clusterConfiguration.heartbeat = configuration.heartbeat
        clusterConfiguration.nodeTTL = configuration.nodeTTL
        clusterConfiguration.reconcileInterval = configuration.reconcileInterval
        let workers = Supervisor(reactor: reactor, configuration: supervisorConfiguration, logger: logger)
        workers.measure(into: metrics)
        cluster = ClusterAgent(reactor: reactor, configuration: clusterConfiguration, workers: workers, jobStore: store,
                               logger: logger)
        cluster.measure(into: metrics)
        cluster.clockOffset = { [clock] in clock.wallOffset }
        maintenance = PostgresPool(reactor: reactor, configuration: postgresConfiguration, size: 1, prelude: Migrations.script, logger: logger)
        pruner = RunPruner(reactor: reactor, store: PostgresRetentionStore(postgres: maintenance), rules: configuration.retention,
                           isLeader: { [cluster] in cluster.isLeader }, logger: logger)
        pruner.prunedCounter = metrics.runsPruned
        maintenance.measure(into: metrics, name: "maintenance")
        var firingConfiguration = FiringLayer.Configuration(nodeID: configuration.nodeID)
        firingConfiguration.reloadInterval = configuration.reloadInterval
        firingConfiguration.outputLimit = configuration.outputLimit
        firingConfiguration.maxWaitingPerJob = configuration.maxWaitingPerJob
        firingConfiguration.maxRunningPerJob = configuration.maxRunningPerJob
            ?? max(configuration.workers * configuration.maxConcurrentPerWorker / 2, 1)
        firingConfiguration.maxRunTimeMilliseconds = configuration.maxRunTime > 0 ? Int64(configuration.maxRunTime * 1000) : nil
        firing = FiringLayer(reactor: reactor, configuration: firingConfiguration, clock: clock, jobStore: store, runStore: runStore,
                             workers: workers, ownership: cluster, metrics: metrics, logger: logger)
        let authenticator = Authenticator(token: configuration.apiToken)
        HealthAPI(store: store, firingBlockers: { [firing] in firing.firingBlockers }, logger: logger).register(on: router)
        ContractAPI.register(on: router)
        let ticks = TicksAPI(jobStore: store, runStore: runStore, authenticator: authenticator, now: { [clock] in clock.estimatedNow })
        ticks.register(on: router)
        JobsAPI(store: store, authenticator: authenticator, now: { [clock] in clock.estimatedNow }, cluster: cluster,
                minimumPeriod: configuration.minFrequency, allowedUsers: Set(configuration.allowedUsers), ticks: ticks).register(on: router)
        RunsAPI(jobStore: store, runStore: runStore, firing: firing, workers: workers, cluster: cluster,
                authenticator: authenticator).register(on: router)
        NodesAPI(cluster: cluster, authenticator: authenticator).register(on: router)
        MetricsAPI(metrics: metrics, authenticator: authenticator).register(on: router)
        server = HTTPServer(
            reactor: reactor,
            configuration: .init(host: configuration.host, port: configuration.port, limits: configuration.http),
            logger: logger,
            handler: router.handle
        )
        server.observer = metrics.http(routes: router.routeTemplates)
        if let port = configuration.metricsPort {
            let metricsRouter = Router()
            MetricsAPI(metrics: metrics, authenticator: Authenticator(token: nil)).register(on: metricsRouter)
            let metricsServer = HTTPServer(
                reactor: reactor, configuration: .init(host: configuration.host, port: port, limits: configuration.http),
                logger: logger, handler: metricsRouter.handle)
            metricsServer.observer = metrics.http(routes: metricsRouter.routeTemplates)
            self.metricsServer = metricsServer
        }
    }

    /// Acquires the node lease, listens, serves until a stop signal, and returns once shut
    /// down. Throws NodeLease.Failure when another live process uses this node id.
    public func run() throws {
        let limit = ResourceLimits.raiseOpenFiles()
        lease.onAcquired = { [unowned self] in
            sweep.recoverOwn { [unowned self] in startParts(openFilesLimit: limit) }
        }
        lease.onFence = { [unowned self] in firing.fence() }
        lease.onUnfence = { [unowned self] in firing.unfence() }
        lease.onFailure = { [unowned self] error in fail(error) }
        postgres.start()
        control.start()
        maintenance.start()
        // The clock is measured while the lease is acquired: ticks fire once both hold.
        clock.start()
        lease.start()
        for signal in [SIGTERM, SIGINT] {
            signalWatchers.append(SignalWatcher(reactor: reactor, signal: signal) { [unowned self] number in
                self.stop(signal: number)
            })
        }
        reactor.run()
        if let failure { throw failure }
        logger.info("node stopped")
    }

    private func startParts(openFilesLimit limit: UInt64) {
        guard !stopping else { return }
        do {
            try server.start()
            try metricsServer?.start()
        } catch {
            failure = error
            lease.release(timeout: 1) { [reactor] in reactor.stop() }
            return
        }
        started = true
        if let metricsServer {
            logger.info("metrics listening", metadata: ["host": "\(configuration.host)", "port": "\(metricsServer.port)"])
        }
        firing.start()
        cluster.start(address: "\(configuration.host):\(server.port)")
        sweep.start()
        pruner.start()
        logger.info("node listening", metadata: [
            "host": "\(configuration.host)", "port": "\(server.port)", "open_files_limit": "\(limit)",
            "node_id": "\(configuration.nodeID)", "workers": "\(configuration.workers)",
        ])
    }

    private func stop(signal: Int32) {
        guard !stopping else { return }
        stopping = true
        logger.info("shutting down", metadata: ["signal": "\(signal)", "connections": "\(server.connectionCount)"])
        shutDown()
    }

    /// Another process uses this node id: stop firing and running at once, and exit.
    private func fail(_ error: NodeLease.Failure) {
        logger.error("node id in use by another process; stopping", metadata: [
            "node_id": "\(configuration.nodeID)", "error": "\(error)"])
        failure = error
        guard !stopping else { return }
        stopping = true
        if started { firing.fence() }
        shutDown()
    }

    private func shutDown() {
        let done = { [unowned self] in
            signalWatchers = []
            reactor.stop()
        }
        guard started else { return lease.release(timeout: 1, completion: done) }
        sweep.stop()
        pruner.stop()
        var pending = metricsServer == nil ? 3 : 4
        let finished = { [unowned self] in
            pending -= 1
            // The lease goes last: the runs' records are written, so no sweep can hit them.
            if pending == 0 { lease.release(timeout: 1, completion: done) }
        }
        // Handing the jobs back first lets the survivors take them while this node drains.
        cluster.leave(timeout: 1, completion: finished)
        firing.stop(grace: configuration.shutdownGrace, completion: finished)
        server.shutdown(grace: configuration.shutdownGrace, completion: finished)
        metricsServer?.shutdown(grace: configuration.shutdownGrace, completion: finished)
    }
}

public enum NodeError: Error, CustomStringConvertible {
    case insecureListen(host: String)

    public var description: String {
        switch self {
        case .insecureListen(let host):
            return "refusing to listen on \(host) without --api-token (an empty token is no token): the job API runs shell commands. "
                + "Set --api-token or --api-token-file (or DSCHED_API_TOKEN, DSCHED_API_TOKEN_FILE), or pass --insecure-no-auth if the network is trusted."
        }
    }
}
