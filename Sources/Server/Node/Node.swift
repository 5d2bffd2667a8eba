// Node: one `dsched serve` process — builds the reactor and the parts on it (PostgreSQL
// connections and stores, firing layer and workers, cluster agent on Redis, API, HTTP
// server), runs until SIGTERM/SIGINT, then hands its jobs back to the cluster, stops
// accepting, lets in-flight requests and runs finish (bounded) and returns.
import EventLoop
import Glibc
import Logging

public final class Node {
    private let configuration: NodeConfiguration
    private let logger: Logger
    private let reactor: Reactor
    private let router = Router()
    private var server: HTTPServer!
    private let postgres: PostgresPool
    private let clock: ClockSync
    private let firing: FiringLayer
    private let cluster: ClusterAgent
    private var signalWatchers: [SignalWatcher] = []

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
        var clockConfiguration = ClockSync.Configuration()
        clockConfiguration.maxSkew = configuration.maxClockSkew
        clock = ClockSync(reactor: reactor, postgres: postgres, configuration: clockConfiguration, logger: logger)
        // The API writes through the cache of just-created rows that adoption reads first.
        let store = RecentJobsCache(store: PostgresJobStore(postgres: postgres, nodeID: configuration.nodeID),
                                    clock: { [reactor] in reactor.monotonicNow })
        let runStore = PostgresRunStore(reactor: reactor, postgres: postgres, logger: logger)
        var supervisorConfiguration = Supervisor.Configuration(workers: configuration.workers)
        supervisorConfiguration.maxConcurrentPerWorker = configuration.maxConcurrentPerWorker
        supervisorConfiguration.graceSeconds = configuration.killGrace
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
        cluster = ClusterAgent(reactor: reactor, configuration: clusterConfiguration, workers: workers, jobStore: store,
                               runStore: runStore, logger: logger)
        cluster.clockOffset = { [clock] in clock.wallOffset }
        var firingConfiguration = FiringLayer.Configuration(nodeID: configuration.nodeID)
        firingConfiguration.reloadInterval = configuration.reloadInterval
        firingConfiguration.outputLimit = configuration.outputLimit
        firingConfiguration.maxWaitingPerJob = configuration.maxWaitingPerJob
        firingConfiguration.maxRunningPerJob = configuration.maxRunningPerJob
            ?? max(configuration.workers * configuration.maxConcurrentPerWorker / 2, 1)
        firingConfiguration.maxRunTimeMilliseconds = configuration.maxRunTime > 0 ? Int64(configuration.maxRunTime * 1000) : nil
        firing = FiringLayer(reactor: reactor, configuration: firingConfiguration, clock: clock, jobStore: store, runStore: runStore,
                             workers: workers, ownership: cluster, logger: logger)
        let authenticator = Authenticator(token: configuration.apiToken)
        HealthAPI(store: store, isFiring: { [firing] in firing.isFiring }, logger: logger).register(on: router)
        JobsAPI(store: store, authenticator: authenticator, now: { [clock] in clock.estimatedNow }, cluster: cluster,
                minimumPeriod: configuration.minFrequency, allowedUsers: Set(configuration.allowedUsers)).register(on: router)
        RunsAPI(jobStore: store, runStore: runStore, firing: firing, workers: workers, cluster: cluster,
                authenticator: authenticator).register(on: router)
        NodesAPI(cluster: cluster, authenticator: authenticator).register(on: router)
        server = HTTPServer(
            reactor: reactor,
            configuration: .init(host: configuration.host, port: configuration.port, limits: configuration.http),
            logger: logger,
            handler: router.handle
        )
    }

    /// Listens, serves until a stop signal, and returns once shut down.
    public func run() throws {
        let limit = ResourceLimits.raiseOpenFiles()
        try server.start()
        postgres.start()
        clock.start()
        firing.start()
        cluster.start(address: "\(configuration.host):\(server.port)")
        logger.info("node listening", metadata: [
            "host": "\(configuration.host)", "port": "\(server.port)", "open_files_limit": "\(limit)",
            "node_id": "\(configuration.nodeID)", "workers": "\(configuration.workers)",
        ])
        for signal in [SIGTERM, SIGINT] {
            signalWatchers.append(SignalWatcher(reactor: reactor, signal: signal) { [unowned self] number in
                self.stop(signal: number)
            })
        }
        reactor.run()
        logger.info("node stopped")
    }

    private func stop(signal: Int32) {
        guard !server.isShuttingDown else { return }
        logger.info("shutting down", metadata: ["signal": "\(signal)", "connections": "\(server.connectionCount)"])
        var pending = 3
        let finished = { [unowned self] in
            pending -= 1
            if pending == 0 {
                signalWatchers = []
                reactor.stop()
            }
        }
        // Handing the jobs back first lets the survivors take them while this node drains.
        cluster.leave(timeout: 1, completion: finished)
        firing.stop(grace: configuration.shutdownGrace, completion: finished)
        server.shutdown(grace: configuration.shutdownGrace, completion: finished)
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
