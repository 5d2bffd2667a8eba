// LostRunSweep: records lost the runs that no process can finish any more (issue 12, contract
// 3). Every node runs it every `interval` seconds: the unfinished runs of every node id that
// holds no live lease (it died, was cut off from PostgreSQL for longer than its lease, or
// stopped) become `lost`, with `retry_at` set when their job has attempts left (the retries
// pick them up). The statement is idempotent and cheap (the partial index of unfinished runs),
// so any number of nodes may run it at once, and it needs no leader and no Redis: a node cut
// off from Redis only keeps its lease, and its runs go on and record their real results.
//
// `recoverOwn` is the start-up half: right after this process acquired its lease, and before
// it claims anything, every unfinished run of its node id is an earlier process's, and lost.
import EventLoop
import Logging

final class LostRunSweep {
    /// Seconds between sweeps, at most (a shorter lease sweeps every half lease).
    static let interval = 5.0

    private let reactor: Reactor
    private let nodeID: String
    private let interval: Double
    private let runStore: RunStore
    private let logger: Logger
    private var timer: TimerWatcher!
    private var inFlight = false
    /// Set while `recoverOwn` waits for the store.
    private var retryTimer: TimerWatcher?

    init(reactor: Reactor, nodeID: String, interval: Double, runStore: RunStore, logger: Logger) {
        self.reactor = reactor
        self.nodeID = nodeID
        self.interval = interval
        self.runStore = runStore
        self.logger = logger
        timer = TimerWatcher(reactor: reactor) { [unowned self] in sweep() }
    }

    func start() {
        timer.start(after: interval, every: interval)
    }

    func stop() {
        timer.stop()
        retryTimer?.stop()
    }

    /// Records this node id's unfinished runs lost, retrying every `interval` while the store
    /// fails; `completion` runs once they are.
    func recoverOwn(completion: @escaping () -> Void) {
        runStore.recordLost(.node(nodeID)) { [self] outcome in
            switch outcome {
            case .success(let counts):
                if let runs = counts[nodeID], runs > 0 {
                    logger.warning("runs left unfinished by an earlier process with this node id recorded lost", metadata: [
                        "node_id": "\(nodeID)", "runs": "\(runs)"])
                }
                completion()
            case .failure(let error):
                logger.warning("runs of an earlier process with this node id not recorded lost yet", metadata: [
                    "node_id": "\(nodeID)", "error": "\(error)"])
                retryTimer = TimerWatcher(reactor: reactor) { [unowned self] in
                    retryTimer = nil
                    recoverOwn(completion: completion)
                }
                retryTimer?.start(after: interval)
            }
        }
    }

    private func sweep() {
        guard !inFlight else { return }
        inFlight = true
        runStore.recordLost(.unleased) { [self] outcome in
            inFlight = false
            switch outcome {
            case .success(let counts) where !counts.isEmpty:
                logger.warning("runs of nodes without a live lease recorded lost", metadata: [
                    "runs": "\(counts.values.reduce(0, +))",
                    "node_ids": "\(counts.keys.sorted().joined(separator: ","))"])
            case .success:
                break
            case .failure(let error):
                logger.debug("lost-run sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
