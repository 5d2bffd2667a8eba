// NodeLease: this process's hold on its node id, a `node_lease` row in PostgreSQL (issue 12,
// contract 3; holes 6 and 8). The policy (when it is held, fenced, lost) is LeaseState; this
// type sends the statements on the PostgresPool, never blocking the loop, and reports the
// transitions, each logged once:
//   - at start, attempts every `renewInterval` until the row is free, expired or ours (a
//     process killed just before this one started leaves a row that expires within `ttl`);
//     if its holder renews meanwhile, another live process uses this node id: `onFailure`;
//   - then renews every `renewInterval`; a renewal that finds the row held by another
//     instance means that process took this node id: `onFailure`;
//   - no renewal answered for ttl/2: `onFence`; a fresh one after that: `onUnfence`;
//   - `release` deletes the row (a graceful stop, after the run writes were flushed), so the
//     node's runs are never waited for and a restart under the same id is immediate.
import EventLoop
import Glibc
import Logging

final class NodeLease {
    struct Configuration: Sendable {
        var nodeID: String
        /// This process's name in the row: random, so that a restart is another instance.
        var instance = NodeLease.randomInstance()
        /// Seconds the lease lasts from each renewal (`--node-lease`).
        var ttl = 10.0
        /// Seconds between attempts and renewals.
        var renewInterval = 0.5
    }

    enum Failure: Error, CustomStringConvertible {
        /// Another live process renewed this node id's lease while this one waited for it.
        case inUse(nodeID: String, instance: String)
        /// Another process took this node id's lease while this one held it.
        case taken(nodeID: String, instance: String)

        var description: String {
            switch self {
            case .inUse(let node, let instance):
                return "another live process (lease instance \(instance)) uses node id \(node): each node needs an id of its own (--node-id)"
            case .taken(let node, let instance):
                return "another process (lease instance \(instance)) took the lease of node id \(node): each node needs an id of its own (--node-id)"
            }
        }
    }

    let configuration: Configuration
    private let reactor: Reactor
    private let postgres: PostgresPool
    private let logger: Logger
    private var state: LeaseState
    private var timer: TimerWatcher!
    private var stopped = false

    var onAcquired: () -> Void = {}
    var onFence: () -> Void = {}
    var onUnfence: () -> Void = {}
    var onFailure: (Failure) -> Void = { _ in }

    init(reactor: Reactor, configuration: Configuration, postgres: PostgresPool, logger: Logger) {
        self.reactor = reactor
        self.configuration = configuration
        self.postgres = postgres
        self.logger = logger
        state = LeaseState(ttl: configuration.ttl)
        timer = TimerWatcher(reactor: reactor) { [unowned self] in tick() }
    }

    /// Starts attempting at once (a free lease costs one round trip), then every interval.
    func start() {
        timer.start(after: 0, every: configuration.renewInterval)
    }

    /// Stops renewing (the row stays until it expires: a node that is exiting on a failure).
    func stop() {
        stopped = true
        timer.stop()
    }

    /// Stops renewing and deletes the row if this process holds it; `completion` runs when
    /// PostgreSQL answered, or after `timeout` seconds.
    func release(timeout: Double, completion: @escaping () -> Void) {
        let held = state.phase == .held || state.phase == .fenced
        stop()
        guard held else { return completion() }
        var finished = false
        var guardTimer: TimerWatcher?
        let finish = { [logger, configuration] (outcome: String) in
            guard !finished else { return }
            finished = true
            guardTimer?.stop()
            guardTimer = nil
            logger.info("node lease released", metadata: ["node_id": "\(configuration.nodeID)", "outcome": "\(outcome)"])
            completion()
        }
        guardTimer = TimerWatcher(reactor: reactor) { [configuration] in finish("no answer from postgresql; it expires in \(configuration.ttl) s") }
        guardTimer?.start(after: timeout)
        postgres.send(PostgresQuery("DELETE FROM node_lease WHERE node_id = $1 AND instance = $2",
                                    [configuration.nodeID, configuration.instance]) { outcome in
            switch outcome {
            case .success: finish("deleted")
            case .failure(let error): finish("failed: \(error)")
            }
        })
    }

    private func tick() {
        let now = reactor.monotonicNow
        act(state.check(now: now))
        guard !stopped, state.shouldSend(now: now) else { return }
        state.sent(at: now)
        postgres.send(PostgresQuery(prepared: "dsched_node_lease", Self.sql,
                                    [configuration.nodeID, configuration.instance, String(Int64(configuration.ttl * 1000))]) { [self] outcome in
            guard !stopped else { return }
            switch outcome {
            case .success(let result):
                guard let answer = Self.answer(result.rows.first) else {
                    logger.error("node lease: unexpected answer", metadata: ["node_id": "\(configuration.nodeID)"])
                    return state.failed(sentAt: now)
                }
                act(state.answered(answer, sentAt: now, now: reactor.monotonicNow))
            case .failure(let error):
                state.failed(sentAt: now)
                logger.debug("node lease not renewed", metadata: ["node_id": "\(configuration.nodeID)", "error": "\(error)"])
            }
        })
    }

    private func act(_ action: LeaseState.Action) {
        let node = configuration.nodeID
        switch action {
        case .none:
            break
        case .acquired:
            logger.info("node lease acquired", metadata: [
                "node_id": "\(node)", "instance": "\(configuration.instance)", "lease_s": "\(configuration.ttl)"])
            onAcquired()
        case .waiting(let holder):
            logger.warning("node lease held by an earlier process with this node id; waiting for it to expire", metadata: [
                "node_id": "\(node)", "holder": "\(holder.instance)", "expires_in_ms": "\(holder.expiresIn)"])
        case .conflict(let holder):
            stop()
            onFailure(.inUse(nodeID: node, instance: holder.instance))
        case .taken(let holder):
            stop()
            onFailure(.taken(nodeID: node, instance: holder.instance))
        case .fence:
            logger.error("node fenced: its lease was not renewed for half its TTL; live runs are cancelled and nothing is claimed until it is", metadata: [
                "node_id": "\(node)", "lease_s": "\(configuration.ttl)"])
            onFence()
        case .unfence:
            logger.notice("node lease renewed again: firing resumes", metadata: ["node_id": "\(node)"])
            onUnfence()
        }
    }

    /// Takes the row when it is free, expired or already this instance's (acquisition and
    /// renewal are one statement); otherwise shows its holder. $1 node id, $2 instance, $3 TTL ms.
    static let sql = """
        WITH taken AS (
            INSERT INTO node_lease (node_id, instance, expires_at, renewed_at)
            VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond', now())
            ON CONFLICT (node_id) DO UPDATE SET instance = EXCLUDED.instance, expires_at = EXCLUDED.expires_at,
                renewed_at = EXCLUDED.renewed_at
            WHERE node_lease.expires_at < now() OR node_lease.instance = EXCLUDED.instance
            RETURNING instance)
        SELECT 'acquired', $2::text, 0::bigint, 0::bigint FROM taken
        UNION ALL
        SELECT 'held', l.instance, (extract(epoch FROM l.renewed_at) * 1000)::bigint,
               (extract(epoch FROM l.expires_at - now()) * 1000)::bigint
        FROM node_lease l WHERE l.node_id = $1 AND NOT EXISTS (SELECT 1 FROM taken)
        """

    static func answer(_ row: [String?]?) -> LeaseState.Answer? {
        guard let row, row.count == 4 else { return nil }
        switch row[0] {
        case "acquired":
            return .acquired
        case "held":
            guard let instance = row[1], let renewed = row[2].flatMap({ Int64($0) }), let expires = row[3].flatMap({ Int64($0) }) else {
                return nil
            }
            return .held(.init(instance: instance, renewedAt: renewed, expiresIn: expires))
        default:
            return nil
        }
    }

    /// pid and 64 random bits, in hex: unique per process, and readable beside the pid.
    static func randomInstance() -> String {
        "\(getpid())-\(String(UInt64.random(in: .min ... .max), radix: 16))"
    }
}
