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

    private let reactor: Reactor
    private var configuration: Configuration
    /// The firing layer, told what this node owns.
    public weak var delegate: OwnershipDelegate?
    private let workers: WorkerPool
    private let weights: OwnedWeights
    private let logger: Logger
    private let commands: RedisConnection
    private let subscriber: RedisConnection
    private let leader: ClusterLeader
    private let sampler = HostLoadSampler()
    private var heartbeatTimer: TimerWatcher!
    private var leaderTimer: TimerWatcher!
    private var resyncTimer: TimerWatcher!
    /// New jobs are announced once per loop iteration, in one script call for all the
    /// requests that committed in it (group commit answers many requests at once).
    private var created: [(job: Job, weight: Double)] = []
    private var announceTimer: TimerWatcher!
    private var heartbeatInFlight = false
    private var resyncInFlight = false
    private var resyncAgain = false
    /// Set when this node found itself missing from PROCESS_STORE (heartbeat or share read).
    private var reclaimNeeded = false
    /// Messages heard so far, and the message that last assigned or released each job: a
    /// share read sent before that message must not undo it.
    private var messageSequence = 0
    private var touched: [Int64: Int] = [:]
    private var leaving = false
    /// Heartbeats (each pings this node's own channel) answered since the subscription last
    /// heard a ping: more than `deafAfter` means the subscription is deaf (a half-open socket).
    private var unheardPings = 0
    static let deafAfter = 4
    /// Host CPU, exponentially smoothed: nodes sharing a host sample it at different moments,
    /// and the load score must not swing with that noise.
    private var smoothedHostCPU: Double?

    public init(reactor: Reactor, configuration: Configuration, workers: WorkerPool, jobStore: JobStore, runStore: RunStore, logger: Logger) {
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
                               runStore: runStore, logger: logger)
        heartbeatTimer = TimerWatcher(reactor: reactor) { [unowned self] in heartbeat() }
        leaderTimer = TimerWatcher(reactor: reactor) { [unowned self] in leader.pass() }
        resyncTimer = TimerWatcher(reactor: reactor) { [unowned self] in
            resync()
            pushWeights()
        }
        announceTimer = TimerWatcher(reactor: reactor) { [unowned self] in announceCreated() }
    }

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

    private func heartbeat() {
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

    // MARK: - Ownership

    private func heard(_ reply: RedisReply) {
        let parts = reply.elements
        guard !leaving, parts.count == 3 else { return }
        if parts[0].text == "subscribe" {
            return parts[1].text == configuration.keys.channel ? resync() : ()
        }
        guard parts[0].text == "message", let text = parts[2].text else { return }
        guard parts[1].text == configuration.keys.channel else {
            unheardPings = 0
            return
        }
        guard let message = ClusterMessage(text) else {
            logger.warning("unknown cluster message", metadata: ["message": "\(text.prefix(200))"])
            return
        }
        messageSequence += 1
        switch message {
        case .assign(let node, let jobs) where node == configuration.nodeID:
            jobs.forEach { touched[$0] = messageSequence }
            delegate?.own(jobs)
        case .release(let node, let jobs) where node == configuration.nodeID:
            jobs.forEach { touched[$0] = messageSequence }
            disown(jobs)
        case .updated(let jobs):
            delegate?.refresh(jobs)
        case .deleted(let jobs):
            jobs.forEach { touched[$0] = messageSequence }
            disown(jobs)
        case .created, .joined, .left, .dead, .leader:
            leader.hint(message)
        case .assign, .release:
            break
        }
    }

    /// Makes the wheel hold exactly this node's share in JOB_PROCESSED (after reclaiming, when
    /// this node found itself missing from PROCESS_STORE).
    private func resync() {
        guard !leaving, commands.isConnected else { return }
        guard !resyncInFlight else {
            resyncAgain = true
            return
        }
        resyncInFlight = true
        let sequence = messageSequence
        let finish = { [self] in
            resyncInFlight = false
            touched = touched.filter { $0.value > sequence }
            if resyncAgain {
                resyncAgain = false
                resync()
            }
        }
        let readShare = { [self] in
            commands.evaluate(ClusterScripts.share, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, configuration.nodeID]) { [self] outcome in
                guard case .success(let reply) = outcome else { return finish() }
                guard reply.integer != -1 else {
                    // Not a member (Redis lost its state, or this node was declared dead): an
                    // empty share says nothing; the next heartbeat rejoins, then reclaims.
                    reclaimNeeded = !owned.isEmpty
                    return finish()
                }
                // The heartbeat that rejoined (answered before this read, on this connection)
                // asked for a reclaim: until it ran, the share is as empty as Redis was.
                guard !reclaimNeeded else { return finish() }
                let share = Set(reply.elements.compactMap(\.integer))
                let settled = { [self] (id: Int64) in (touched[id] ?? 0) <= sequence }
                let current = owned
                let gained = share.filter { !current.contains($0) && settled($0) }
                let lost = current.filter { !share.contains($0) && settled($0) }
                if !gained.isEmpty || !lost.isEmpty {
                    logger.info("share re-read", metadata: ["node_id": "\(configuration.nodeID)", "gained": "\(gained.count)", "lost": "\(lost.count)"])
                }
                disown(Array(lost))
                delegate?.own(Array(gained))
                finish()
            }
        }
        guard reclaimNeeded else { return readShare() }
        reclaimNeeded = false
        let arguments = ClusterScripts.arguments([configuration.keys.channel, configuration.nodeID],
                                                 weights: owned.lazy.map { [weights] in ($0, weights.weight($0)) })
        commands.evaluate(ClusterScripts.reclaim, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            switch outcome {
            case .success(let reply) where reply.integer == -1:
                reclaimNeeded = true
                return finish()
            case .success(let reply):
                let taken = reply.elements.compactMap(\.integer)
                logger.info("jobs reclaimed", metadata: ["node_id": "\(configuration.nodeID)", "kept": "\(arguments.count / 2 - 1 - taken.count)", "owned_elsewhere": "\(taken.count)"])
                // A job assigned here again since the reclaim was sent stays.
                disown(taken.filter { (touched[$0] ?? 0) <= sequence })
            case .failure(let error):
                reclaimNeeded = true
                logger.warning("reclaim failed", metadata: ["error": "\(error)"])
            }
            readShare()
        }
    }

    /// Writes the weights that moved (observed run times, pauses, edits) to this node's share.
    private func pushWeights() {
        guard !leaving, commands.isConnected else { return }
        guard let delegate else { return }
        let changed = weights.changes(delegate.owned.lazy.filter(delegate.isLoaded))
        guard !changed.isEmpty else { return }
        let arguments = ClusterScripts.arguments([configuration.keys.channel, configuration.nodeID],
                                                 weights: changed.lazy.map { ($0.key, $0.value) })
        commands.evaluate(ClusterScripts.weights, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            if case .success = outcome {
                weights.pushed(changed, owned: owned)
            }
        }
    }

    // MARK: - Ownership (what the firing layer reports)

    private var owned: Set<Int64> { delegate?.owned ?? [] }

    /// Jobs leave this node: the firing layer drops them, the ledger forgets their weight.
    private func disown(_ ids: [Int64]) {
        weights.forget(ids)
        delegate?.disown(ids)
    }

    public func jobScheduled(_ job: Job, times: FireTimes) {
        weights.scheduled(job, times: times, now: reactor.nowMilliseconds)
    }

    public func jobUnscheduled(_ jobID: Int64) {
        weights.unscheduled(jobID)
    }

    public func jobAdopted(_ jobID: Int64) {
        weights.adopted(jobID)
    }

    public func runTook(jobID: Int64, milliseconds: Double) {
        weights.ran(jobID, milliseconds: milliseconds)
    }

    // MARK: - Cluster (what the API announces and asks)

    public func jobsCreated(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        created += zip(jobs, weights.created(jobs, now: reactor.nowMilliseconds)).map { ($0, $1) }
        if !announceTimer.isActive {
            announceTimer.start(after: 0)
        }
    }

    private func announceCreated() {
        let jobs = created.map(\.job)
        let arguments = ClusterScripts.arguments([configuration.keys.channel], weights: created.lazy.map { ($0.job.id, $0.weight) })
        created = []
        guard !jobs.isEmpty else { return }
        commands.evaluate(ClusterScripts.submit, keys: configuration.keys.scriptKeys, arguments: arguments) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("new jobs not announced; reconciliation will find them", metadata: [
                    "jobs": "\(jobs.count)", "first_job_id": "\(jobs[0].id)", "error": "\(error)"])
            }
        }
    }

    /// Applied here at once when this node owns the job, and published for every node: a node
    /// holding a creation-time copy of the job drops it.
    public func jobChanged(_ job: Job) {
        delegate?.changed(job)
        commands.send(["PUBLISH", configuration.keys.channel, ClusterMessage.updated([job.id]).text]) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("job change not announced; its owner re-reads it within its reload interval", metadata: [
                    "job_id": "\(job.id)", "error": "\(error)"])
            }
        }
    }

    public func jobDeleted(id: Int64) {
        disown([id])
        commands.evaluate(ClusterScripts.forget, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, String(id)]) { [self] outcome in
            if case .failure(let error) = outcome {
                logger.warning("job deletion not announced; reconciliation will remove it", metadata: ["job_id": "\(id)", "error": "\(error)"])
            }
        }
    }

    public func owner(of jobID: Int64, completion: @escaping (Result<String?, ClusterError>) -> Void) {
        guard commands.isConnected else { return completion(.failure(.unavailable("redis is unreachable"))) }
        commands.send(["HGET", configuration.keys.jobProcessed, String(jobID)]) { outcome in
            completion(outcome.map { $0.text }.mapError { .unavailable("\($0)") })
        }
    }

    public func state(completion: @escaping (Result<ClusterState, ClusterError>) -> Void) {
        guard commands.isConnected else { return completion(.failure(.unavailable("redis is unreachable"))) }
        commands.evaluate(ClusterScripts.state, keys: configuration.keys.scriptKeys, arguments: [configuration.keys.channel, "fast"]) { outcome in
            completion(outcome.mapError { .unavailable("\($0)") }.flatMap { reply in
                Result { () throws(RedisError) in try ClusterState(reply) }.mapError { .unavailable("\($0)") }
            })
        }
    }
}
