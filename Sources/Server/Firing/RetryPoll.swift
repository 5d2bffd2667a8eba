// RetryPoll: every `interval` seconds, the retries coming due in the store (job_run.retry_at,
// within the next interval and a margin) go to the RunDispatcher, which times those of jobs in
// its book that it does not hold yet. This is how a node takes the retries of a job that moved
// to it after they were decided, and the runs the lease sweep recorded lost for a dead node
// (retry_at = now()). One indexed query per interval (partial index job_run_retry_due), at
// most `limit` rows, soonest first.
import EventLoop
import Logging

/// RetryPoll feeds due retries from the store to the dispatcher.
final class RetryPoll {
    /// Seconds between polls.
    static let interval = 2.0
    /// Milliseconds looked ahead beyond the next poll, so that a retry due just after it is
    /// timed here before it is due.
    static let marginMilliseconds: Int64 = 500
    /// Retries read per poll.
    static let limit = 1_000

    private let runStore: RunStore
    private let dispatcher: RunDispatcher
    private let logger: Logger
    private var timer: TimerWatcher!
    private var inFlight = false
    private var failing = false

    init(reactor: Reactor, runStore: RunStore, dispatcher: RunDispatcher, logger: Logger) {
        self.runStore = runStore
        self.dispatcher = dispatcher
        self.logger = logger
        timer = TimerWatcher(reactor: reactor) { [unowned self] in poll() }
    }

    func start() {
        timer.start(after: Self.interval, every: Self.interval)
    }

    func stop() {
        timer.stop()
    }

    private func poll() {
        guard !inFlight else { return }
        inFlight = true
        let within = Int64(Self.interval * 1000) + Self.marginMilliseconds
        runStore.dueRetries(within: within, limit: Self.limit) { [self] outcome in
            inFlight = false
            switch outcome {
            case .success(let due):
                failing = false
                dispatcher.takeStoredRetries(due)
            case .failure(let error):
                if !failing {
                    failing = true
                    logger.warning("due retries not read; polling on", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
