// ClusterAgent: this node's member of the cluster (DESIGN, Flows 1, 2, 5, 6). It holds two
// Redis connections (commands, and pub/sub on CHANNEL) and:
//   - heartbeats every `heartbeat` with its load (HostLoadSampler, and the weight it owns);
//   - runs a ClusterLeader, which acts while this node holds the lease;
//   - as an owner (it implements `Ownership`), hears `assign`/`release` for itself and tells
//     the firing layer (its `delegate`) to own or disown jobs; re-reads its share from JOB_PROCESSED at start, after every reconnect of
//     either connection and every `reconcileInterval` (a lost message never strands a job);
//     when it finds itself missing from PROCESS_STORE (Redis restarted empty, or it was
//     declared dead while cut off), or has just reconnected, first takes back the jobs it
//     holds that nobody else owns, so that a Redis restart does not stop any job from firing;
//   - notices a deaf subscription (its heartbeat pings the node's own channel) and reconnects it;
//   - pushes the weights that moved (run times, pauses, edits) every `reconcileInterval`;
//   - announces what the API committed (created, changed, deleted jobs);
//   - on stop, hands all its jobs back at once (`leave`).
// While Redis is away the node keeps firing what it owns; nothing here blocks or fails the API.
import EventLoop
import Glibc
import Logging

public final class ClusterAgent: Cluster, Ownership {
    public struct Configuration: Sendable {
        public var nodeID: String
        /// Where this node's API listens, as shown by GET /nodes.
        public var address: String
        public var redis: RedisConnection.Configuration
        public var keys: ClusterKeys
        public var heartbeat = 0.5
        public var nodeTTL = 1.5
        public var reconcileInterval = 5.0
        public var rebalanceTrigger = 1.25

        public init(nodeID: String, address: String, redis: RedisConnection.Configuration, keys: ClusterKeys) {
            self.nodeID = nodeID
            self.address = address
            self.redis = redis
            self.keys = keys
        }
    }

    let reactor: Reactor
    var configuration: Configuration
    /// The firing layer, told what this node owns.
    public weak var delegate: OwnershipDelegate?
    let workers: WorkerPool
    let weights: OwnedWeights
    let logger: Logger
    let commands: RedisConnection
    let subscriber: RedisConnection
    let leader: ClusterLeader
    let sampler = HostLoadSampler()
    var heartbeatTimer: TimerWatcher!
    var leaderTimer: TimerWatcher!
    var resyncTimer: TimerWatcher!
    /// New jobs are announced once per loop iteration, in one script call for all the
    /// requests that committed in it (group commit answers many requests at once).
    var created: [(job: Job, weight: Double)] = []
    var announceTimer: TimerWatcher!
    var heartbeatInFlight = false
    var resyncInFlight = false
    var resyncAgain = false
    /// Set when this node found itself missing from PROCESS_STORE (heartbeat or share read).
    var reclaimNeeded = false
    /// Messages heard so far, and the message that last assigned or released each job: a
    /// share read sent before that message must not undo it.
    var messageSequence = 0
    var touched: [Int64: Int] = [:]
    var leaving = false
    /// Heartbeats (each pings this node's own channel) answered since the subscription last
    /// heard a ping: more than `deafAfter` means the subscription is deaf (a half-open socket).
    var unheardPings = 0
    static let deafAfter = 4
    /// Host CPU, exponentially smoothed: nodes sharing a host sample it at different moments,
    /// and the load score must not swing with that noise.
    var smoothedHostCPU: Double?
    /// This node's offset to PostgreSQL's clock and its error (ms), published with each
    /// heartbeat; nil while unmeasured.
    public var clockOffset: () -> (offset: Double, error: Double)? = { nil }

    public init(reactor: Reactor, configuration: Configuration, workers: WorkerPool, jobStore: JobStore, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.workers = workers
        weights = OwnedWeights(clock: { [reactor] in reactor.monotonicNow })
        self.logger = logger
        commands = RedisConnection(reactor: reactor, configuration: configuration.redis, name: "commands", logger: logger)
        subscriber = RedisConnection(reactor: reactor, configuration: configuration.redis, name: "subscriber", logger: logger)
        var leaderConfiguration = ClusterLeader.Configuration(nodeID: configuration.nodeID, keys: configuration.keys)
        leaderConfiguration.nodeTTL = configuration.nodeTTL
        leaderConfiguration.reconcileInterval = configuration.reconcileInterval
        leaderConfiguration.rebalanceTrigger = configuration.rebalanceTrigger
        leader = ClusterLeader(reactor: reactor, configuration: leaderConfiguration, redis: commands, jobStore: jobStore,
                               logger: logger)
        heartbeatTimer = TimerWatcher(reactor: reactor) { [unowned self] in heartbeat() }
        leaderTimer = TimerWatcher(reactor: reactor) { [unowned self] in leader.pass() }
        resyncTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            resync()
            pushWeights()
        }
        announceTimer = TimerWatcher(reactor: reactor) { [unowned self] in announceCreated() }
    }

    /// Records the Redis connections' figures and the leader's, and samples leadership and
    /// the connections' queues at each scrape.
    func measure(into metrics: NodeMetrics) {
        for connection in [commands, subscriber] {
            connection.metrics = metrics.client(service: "redis", connection: connection.name)
            metrics.sample(.clientQueue, [("service", "redis"), ("connection", connection.name)]) { connection.load }
        }
        leader.metrics = metrics.cluster
        metrics.sample(.clusterLeader) { [leader] in leader.isLeader ? 1 : 0 }
    }

    /// Whether this node leads the cluster now (holds the leader lease).
    public var isLeader: Bool { leader.isLeader }

    /// The API's address is known once the server listens.
    public func start(address: String) {
        configuration.address = address
        commands.scripts = ClusterScripts.all
        commands.onConnect = { [unowned self] in
            leader.connected()
            // Redis may have lost its state while away; taking back what nobody else owns is
            // harmless when it did not.
            reclaimNeeded = !owned.isEmpty
            heartbeat()
            resync()
        }
        // The share is re-read once the subscription holds (see `heard`): a message published
        // before it would be missed, and a read made after it sees what such a message said.
        subscriber.onConnect = { [unowned self] in
            unheardPings = 0
            subscriber.subscribe(configuration.keys.channel)
            subscriber.subscribe(configuration.keys.ownChannel(of: configuration.nodeID))
        }
        subscriber.onPush = { [unowned self] reply in heard(reply) }
        commands.start()
        subscriber.start()
        heartbeatTimer.start(after: configuration.heartbeat, every: configuration.heartbeat)
        leaderTimer.start(after: configuration.heartbeat / 2, every: configuration.heartbeat / 2)
        resyncTimer.start(after: configuration.reconcileInterval, every: configuration.reconcileInterval)
    }

    /// Hands every job back at once and leaves PROCESS_STORE (and the lease); `completion` runs
    /// when Redis confirmed it, or after `timeout` seconds without an answer.
    public func leave(timeout: Double, completion: @escaping () -> Void) {
        guard !leaving else { return }
        leaving = true
        leader.stop()
        heartbeatTimer.stop()
        leaderTimer.stop()
        resyncTimer.stop()
        var finished = false
        var guardTimer: TimerWatcher?
        let finish = { [self] (jobs: String) in
            guard !finished else { return }
            finished = true
            guardTimer?.stop()
            guardTimer = nil
            logger.info("left the cluster", metadata: ["node_id": "\(configuration.nodeID)", "jobs_handed_back": "\(jobs)"])
            subscriber.close()
            commands.close()
            completion()
        }
        guard commands.isConnected else { return finish("none (redis unreachable)") }
        guardTimer = TimerWatcher(reactor: reactor) { finish("unknown (no answer from redis)") }
        guardTimer?.start(after: timeout)
        commands.evaluate(ClusterScripts.leave, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, configuration.nodeID]) { outcome in
            finish((try? outcome.get().integer).flatMap { $0.map(String.init) } ?? "unknown")
        }
    }

    // MARK: - Membership

    func heartbeat() {
        guard !heartbeatInFlight, !leaving, commands.isConnected else { return }
        let workers = workers.workers
        var load = sampler.sample(processIDs: [getpid()] + workers.map(\.pid).filter { $0 > 0 })
        let hostCPU = smoothedHostCPU.map { 0.7 * $0 + 0.3 * load.hostCPU } ?? load.hostCPU
        smoothedHostCPU = hostCPU
        load.hostCPU = hostCPU
        load.jobs = owned.count
        load.weight = weights.total(ownedCount: owned.count)
        load.workers = workers.count
        load.scheduled = delegate?.scheduledCount ?? 0
        let clock = clockOffset()
        load.clockOffsetMs = clock?.offset
        load.clockErrorMs = clock?.error
        let published = ClusterState.Heartbeat(address: configuration.address, load: load)
        heartbeatInFlight = true
        commands.evaluate(ClusterScripts.heartbeat, keys: configuration.keys.scriptKeys, arguments: [
            configuration.keys.channel, configuration.nodeID, published.json, String(Int64(configuration.nodeTTL * 1000)),
            configuration.keys.ownChannel(of: configuration.nodeID),
        ]) { [self] outcome in
            heartbeatInFlight = false
            if case .success = outcome, subscriber.isConnected {
                unheardPings += 1
                if unheardPings > Self.deafAfter {
                    // Freeing the subscriber's context from the command connection's callback
                    // is safe: hiredis defers frees only inside the context's own callbacks.
                    // The share is re-read once the new subscription holds.
                    unheardPings = 0
                    subscriber.reset(reason: "no ping heard on its own channel for \(Self.deafAfter) heartbeats")
                }
            }
            switch outcome {
            case .success(let reply) where reply.integer == 1:
                logger.info("joined the cluster", metadata: ["node_id": "\(configuration.nodeID)", "jobs": "\(load.jobs)"])
                reclaimNeeded = !owned.isEmpty
                resync()
            case .success:
                break
            case .failure(let error):
                logger.warning("heartbeat failed", metadata: ["node_id": "\(configuration.nodeID)", "error": "\(error)"])
            }
        }
    }
}
