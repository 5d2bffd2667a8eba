// RunPruner: runs retention's passes (RetentionPass) on the cluster's leader only, one prune
// statement at a time, each a short transaction of at most `batchSize` rows on a connection of
// its own. Every step is timed: a node that is not the leader when a step comes due looks
// again after the idle pause (leadership can move at any time; two nodes pruning at once
// during a handover delete disjoint or the same rows, which is harmless).
import CoreMetrics
import EventLoop
import Logging

final class RunPruner {
    private let store: RetentionStore
    private let rules: RetentionRules
    private let isLeader: () -> Bool
    private let logger: Logger
    private var pass: RetentionPass
    private var timer: TimerWatcher!
    private var inFlight = false
    private var stopped = false
    /// Rows deleted since the node started (for the log).
    private(set) var prunedTotal = 0
    /// Counts the rows deleted (dsched_runs_pruned_total).
    var prunedCounter: CoreMetrics.Counter?

    init(reactor: Reactor, store: RetentionStore, rules: RetentionRules, isLeader: @escaping () -> Bool, logger: Logger) {
        self.store = store
        self.rules = rules
        self.isLeader = isLeader
        self.logger = logger
        pass = RetentionPass(batchSize: rules.batchSize, jobsPerStatement: rules.jobsPerStatement)
        timer = TimerWatcher(reactor: reactor) { [unowned self] in step() }
    }

    func start() {
        stopped = false
        timer.start(after: pass.idlePause / 2)
    }

    func stop() {
        stopped = true
        timer.stop()
    }

    private func step() {
        guard !stopped, !inFlight else { return }
        guard isLeader() else { return timer.start(after: pass.idlePause) }
        inFlight = true
        let cursor = pass.cursor
        store.prune(after: cursor, rules: rules) { [self] outcome in
            inFlight = false
            guard !stopped else { return }
            switch outcome {
            case .success(let result):
                prunedTotal += result.deleted
                prunedCounter?.increment(by: Int64(result.deleted))
                if result.deleted > 0 {
                    logger.debug("runs pruned", metadata: ["runs": "\(result.deleted)", "after_job_id": "\(cursor)",
                                                           "through_job_id": "\(result.lastJob.map(String.init) ?? "")"])
                }
                let next = pass.next(after: result)
                if let pruned = next.passPruned, pruned > 0 {
                    logger.info("retention pass done", metadata: ["runs_pruned": "\(pruned)", "runs_pruned_total": "\(prunedTotal)"])
                }
                timer.start(after: next.delay)
            case .failure(let error):
                logger.warning("retention statement failed; trying again", metadata: ["after_job_id": "\(cursor)", "error": "\(error)"])
                timer.start(after: pass.nextAfterFailure().delay)
            }
        }
    }
}
