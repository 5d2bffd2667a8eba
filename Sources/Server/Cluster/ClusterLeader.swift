// ClusterLeader: the one node at a time that decides who owns which job (DESIGN, Flows 2, 5,
// 6). Every node runs one; only the holder of the lease acts.
//
// A pass (every half heartbeat, and at once on a hint from CHANNEL) goes:
//   lease    take or renew the lease (PROCESS_STORE:leader, TTL = node TTL); a new lease gets a
//            new fencing epoch, and every write below is refused unless the epoch still holds
//   state    read members, heartbeats, shares and loads (one script)
//   failover members whose heartbeat is older than the node TTL are dead: their jobs go back
//            to JOB_STORE (their unfinished runs are recorded lost by LostRunSweep once
//            their node lease in PostgreSQL expired: a node cut off from Redis only is still
//            running them)
//   assign   jobs waiting in JOB_STORE go, heaviest first, to the node with the lowest load
//            score after taking them (AssignmentPlanner)
//   rebalance one node TTL after a node joined, and every `reconcileInterval` (counted from
//            the last failover too: the survivors just got the dead node's jobs by load, and
//            moving them again would only chase noise): if the highest score exceeds
//            the lowest by `rebalanceTrigger` (25 %), jobs move from the most to the least
//            loaded until they are within 5 %
//   reconcile every `reconcileInterval`, beside the passes (its PostgreSQL queries must not
//            hold up the lease renewals): a job in PostgreSQL but nowhere in Redis goes to
//            JOB_STORE; a job in Redis but not in PostgreSQL (deleted, done) leaves Redis
// A new leader waits one node TTL before its first rebalancing and reconciliation, and a join
// is looked at one TTL later: after Redis restarted empty, every node first takes back the
// jobs it holds (ClusterAgent), so that the jobs stay where they are instead of churning.
// After a reconnection to Redis, no node is declared dead for one node TTL: heartbeats could
// not be written while Redis was away, and the nodes need a moment to renew them. (The first
// connection needs no such wait: a node starting beside a dead one takes over at once.)
import EventLoop
import Logging

final class ClusterLeader {
    struct Configuration {
        var nodeID: String
        var keys: ClusterKeys
        var nodeTTL = 1.5
        var reconcileInterval = 5.0
        var rebalanceTrigger = 1.25
        /// Waiting jobs assigned per pass.
        var assignBatch = 10_000
    }

    let reactor: Reactor
    let configuration: Configuration
    let redis: RedisConnection
    let jobStore: JobStore
    let logger: Logger
    /// The fencing epoch of this node's lease; 0 when another node leads.
    var epoch: Int64 = 0
    var busy = false
    var again = false
    /// Hinted passes run after `hintDelay`, so that a burst of hints (a submission burst
    /// announces jobs every few milliseconds) makes one pass, not one each.
    var hintTimer: TimerWatcher!
    static let hintDelay = 0.01
    var stopped = false
    var reconciling = false
    /// When the connection to Redis was last re-established (not first made).
    var reconnectedAt = -Double.infinity
    var connections = 0
    var nextRebalance = 0.0
    /// When the running weight sums are next summed anew (O(jobs) in Redis).
    var nextExactSums = 0.0
    var nextReconcile = 0.0
    /// Leadership changes, members, failovers and jobs moved (NodeMetrics).
    var metrics = ClusterMetrics.none

    init(reactor: Reactor, configuration: Configuration, redis: RedisConnection, jobStore: JobStore, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.redis = redis
        self.jobStore = jobStore
        self.logger = logger
        hintTimer = TimerWatcher(reactor: reactor) { [unowned self] in pass() }
    }

    var isLeader: Bool { epoch > 0 }

    var keys: [String] { configuration.keys.scriptKeys }
    var ttlMilliseconds: Int64 { Int64(configuration.nodeTTL * 1000) }

    /// The Redis connection is (re)established.
    func connected() {
        connections += 1
        if connections > 1 { reconnectedAt = reactor.monotonicNow }
    }

    /// Something happened that a pass should look at now.
    func hint(_ message: ClusterMessage) {
        if case .joined = message {
            nextRebalance = min(nextRebalance, reactor.monotonicNow + configuration.nodeTTL)
        }
        if !hintTimer.isActive {
            hintTimer.start(after: Self.hintDelay)
        }
    }

    /// This node is leaving: it leads no more.
    func stop() {
        stopped = true
        epoch = 0
    }

    func pass() {
        guard !stopped else { return }
        guard !busy else {
            again = true
            return
        }
        guard redis.isConnected else { return }
        busy = true
        redis.evaluate(ClusterScripts.lease, keys: keys, arguments: [configuration.keys.channel, configuration.nodeID, String(ttlMilliseconds)]) { [self] outcome in
            let answer = (try? outcome.get())?.elements.compactMap(\.integer) ?? []
            guard !stopped, answer.count == 2, answer[0] > 0 else {
                demote(reason: "another node leads")
                return finish()
            }
            let epoch = answer[0]
            // A new lease (also after Redis lost its state, where the epoch may start over).
            if self.epoch != epoch || answer[1] == 1 {
                if self.epoch == 0 { metrics.leadershipAcquired.increment() }
                logger.info("leading the cluster", metadata: ["node_id": "\(configuration.nodeID)", "epoch": "\(epoch)"])
                nextRebalance = reactor.monotonicNow + configuration.nodeTTL
                nextReconcile = nextRebalance
            }
            self.epoch = epoch
            readState()
        }
    }

    func finish() {
        busy = false
        if again {
            again = false
            if !hintTimer.isActive { hintTimer.start(after: Self.hintDelay) }
        }
    }

    func demote(reason: String) {
        guard epoch != 0 else { return }
        logger.info("no longer leading", metadata: ["node_id": "\(configuration.nodeID)", "epoch": "\(epoch)", "reason": "\(reason)"])
        metrics.leadershipLost.increment()
        metrics.members.record(0)
        epoch = 0
    }

    /// The arguments every fenced script starts with.
    var fence: [String] { [configuration.keys.channel, configuration.nodeID, String(epoch)] }

    /// A fenced script's answer: false (and leadership dropped) when the epoch no longer holds.
    func accepted(_ outcome: Result<RedisReply, RedisError>, _ what: String) -> Int64? {
        switch outcome {
        case .success(let reply):
            guard let count = reply.integer, count != -1 else {
                demote(reason: "fenced during \(what)")
                return nil
            }
            return count
        case .failure(let error):
            logger.warning("cluster \(what) failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: - The pass

    func readState() {
        // The exact sums (O(jobs)) once per reconcile interval: the running sums only drift by
        // floating-point rounding in between.
        let now = reactor.monotonicNow
        let rebalanceDue = now >= nextRebalance
        let exact = now >= nextExactSums
        if exact { nextExactSums = now + configuration.reconcileInterval }
        reconcile()
        redis.evaluate(ClusterScripts.state, keys: keys, arguments: [configuration.keys.channel, exact ? "exact" : "fast"]) { [self] outcome in
            guard case .success(let reply) = outcome, let state = try? ClusterState(reply) else { return finish() }
            let settled = reactor.monotonicNow - reconnectedAt >= configuration.nodeTTL
            let dead = settled ? state.members.filter { state.now - $0.heartbeatAt > ttlMilliseconds && $0.id != configuration.nodeID } : []
            let live = state.members.filter { member in !dead.contains { $0.id == member.id } }
            metrics.members.record(live.count)
            failover(dead[...]) { [self] failedOver in
                guard isLeader else { return finish() }
                if failedOver {
                    nextRebalance = max(nextRebalance, reactor.monotonicNow + configuration.reconcileInterval)
                }
                assign(live: live, waiting: state.waiting > 0 || failedOver) { [self] in
                    // Rebalancing waits for a pass with nothing waiting and nobody dead.
                    guard isLeader, rebalanceDue, state.waiting == 0, !failedOver else { return finish() }
                    nextRebalance = reactor.monotonicNow + configuration.reconcileInterval
                    rebalance(live: live) { [self] in finish() }
                }
            }
        }
    }

    func failover(_ dead: ArraySlice<ClusterState.Member>, failedOver: Bool = false, then done: @escaping (Bool) -> Void) {
        guard let node = dead.first, isLeader else { return done(failedOver) }
        redis.evaluate(ClusterScripts.failover, keys: keys, arguments: fence + [node.id, String(ttlMilliseconds)]) { [self] outcome in
            guard let count = accepted(outcome, "failover") else { return done(failedOver) }
            guard count >= 0 else { return failover(dead.dropFirst(), failedOver: failedOver, then: done) }
            let age = reactor.nowMilliseconds - node.heartbeatAt
            logger.warning("node declared dead", metadata: [
                "node_id": "\(node.id)", "jobs": "\(count)", "heartbeat_age_ms": "\(age)"])
            metrics.failovers.increment()
            metrics.failoverTime.recordMilliseconds(max(age, 0))
            metrics.jobsFailedOver.increment(by: count)
            failover(dead.dropFirst(), failedOver: true, then: done)
        }
    }

    func candidates(_ live: [ClusterState.Member]) -> [AssignmentPlanner.Node] {
        live.map { member in
            let pressure = member.published.map {
                LoadScore.pressure(hostCPU: $0.load.hostCPU, memAvailableFraction: $0.load.memAvailableFraction)
            } ?? 1
            return AssignmentPlanner.Node(id: member.id, weight: member.weight, pressure: pressure)
        }
    }

    func assign(live: [ClusterState.Member], waiting: Bool, then done: @escaping () -> Void) {
        guard waiting, !live.isEmpty else { return done() }
        redis.send(["ZRANGE", configuration.keys.jobStore, "0", String(configuration.assignBatch - 1), "WITHSCORES"]) { [self] outcome in
            guard case .success(let reply) = outcome else { return done() }
            let jobs = Self.weightedIDs(reply)
            guard !jobs.isEmpty else { return done() }
            let plan = AssignmentPlanner.assign(jobs, to: candidates(live))
            var arguments = fence
            arguments.reserveCapacity(3 + 2 * plan.count)
            for (job, node) in plan {
                arguments.append(String(job))
                arguments.append(node)
            }
            redis.evaluate(ClusterScripts.assign, keys: keys, arguments: arguments) { [self] outcome in
                if let count = accepted(outcome, "assignment") {
                    metrics.jobsAssigned.increment(by: count)
                    logger.info("jobs assigned", metadata: ["jobs": "\(count)", "nodes": "\(live.count)", "epoch": "\(epoch)"])
                    if jobs.count == configuration.assignBatch { again = true }
                }
                done()
            }
        }
    }

    func rebalance(live: [ClusterState.Member], then done: @escaping () -> Void) {
        guard live.count >= 2 else { return done() }
        let nodes = candidates(live)
        let scores = nodes.map { LoadScore.score(weight: $0.weight, pressure: $0.pressure) }
        guard let highest = scores.max(), let lowest = scores.min(), highest > configuration.rebalanceTrigger * lowest else { return done() }
        var shares: [String: [(id: Int64, weight: Double)]] = [:]
        var pending = live.count
        var failed = false
        for member in live {
            redis.send(["ZRANGE", configuration.keys.share(of: member.id), "0", "-1", "WITHSCORES"]) { [self] outcome in
                pending -= 1
                switch outcome {
                case .success(let reply): shares[member.id] = Self.weightedIDs(reply)
                case .failure: failed = true
                }
                guard pending == 0 else { return }
                guard !failed, isLeader else { return done() }
                move(AssignmentPlanner.rebalance(nodes: nodes, jobs: shares, trigger: configuration.rebalanceTrigger), then: done)
            }
        }
    }

    func move(_ moves: [AssignmentPlanner.Move], then done: @escaping () -> Void) {
        guard !moves.isEmpty else { return done() }
        var arguments = fence
        arguments.reserveCapacity(3 + 3 * moves.count)
        for move in moves {
            arguments += [String(move.jobID), move.from, move.to]
        }
        redis.evaluate(ClusterScripts.move, keys: keys, arguments: arguments) { [self] outcome in
            if let count = accepted(outcome, "rebalancing") {
                metrics.jobsRebalanced.increment(by: count)
                logger.info("jobs rebalanced", metadata: ["jobs": "\(count)", "epoch": "\(epoch)"])
            }
            done()
        }
    }

}
