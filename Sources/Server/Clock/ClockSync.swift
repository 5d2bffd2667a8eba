// ClockSync: one clock for the cluster — PostgreSQL's. Every `interval` it times a round trip
// that reads the server's clock (on a connection it shares only with the node lease, never
// blocking the loop) and feeds it to a ClockOffset; the firing layer reads the result as
// `now`, and is told when firing must stop or may go on.
//
// Timing: the local instants are the monotonic clock read fresh just before the statement is
// sent (PostgresQuery.onSent: a wait in the pool's queue is not part of the round trip) and as
// the answer is handled, so a step of this host's wall clock between two samples moves
// nothing. `now` is the estimate's lower bound — server time can be no earlier — so a tick
// that fires at `now` has come on PostgreSQL's clock too; it never goes back.
//
// The rule (--max-clock-skew): the node fires only while the best estimate's error is within
// `maxSkew`: a round trip of the last 8 s of answers was fast enough, and PostgreSQL answered
// within the last 30 s (ClockOffset's window and maxAge). Otherwise `now` stands still, so
// nothing comes due, with one error log line; when a good estimate returns (one info line),
// the ticks that came due meanwhile follow each job's misfire policy (JobBook.catchUp), as
// after a failover. A node fires nothing before its first good estimate (and says so in one
// error line if it has none after 8 s).
import EventLoop
import Logging

/// ClockSync measures this node's offset to PostgreSQL's clock and says whether it may fire.
public final class ClockSync {
    public struct Configuration: Sendable {
        /// Largest error of the offset estimate, in seconds, under which the node fires.
        public var maxSkew = 0.5
        /// Seconds between round trips.
        public var interval = 1.0

        public init() {}
    }

    public enum State: Equatable, Sendable {
        /// No good estimate yet: nothing fired so far.
        case starting
        case synchronised
        /// Firing stopped until a good estimate returns.
        case stopped
    }

    /// What the firing layer hears.
    public enum Event: Sendable {
        /// Firing may start (the first good estimate) or go on (after a stop).
        case firing
        case stopped
        /// A new estimate: `now` may have changed pace.
        case adjusted
    }

    /// The server's clock in epoch ms, read in one statement.
    static let statement = "SELECT extract(epoch FROM clock_timestamp()) * 1000"

    private let reactor: Reactor
    private let postgres: PostgresPool
    private let configuration: Configuration
    private let logger: Logger
    private var offset = ClockOffset()
    private var timer: TimerWatcher!
    private var inFlight = false
    private var startedAt = 0.0
    private var reading: Int64 = 0
    public private(set) var state = State.starting
    public var onEvent: (Event) -> Void = { _ in }

    public init(reactor: Reactor, postgres: PostgresPool, configuration: Configuration, logger: Logger) {
        self.reactor = reactor
        self.postgres = postgres
        self.configuration = configuration
        self.logger = logger
        timer = TimerWatcher(reactor: reactor) { [unowned self] in measure() }
    }

    public func start() {
        startedAt = local
        timer.start(after: 0, every: configuration.interval)
    }

    /// The cluster's time, epoch ms: the lowest PostgreSQL's clock can read now, never going
    /// back; it stands still while firing is stopped, and reads 0 before the first estimate.
    public var now: Int64 {
        guard state == .synchronised, let estimate = offset.estimate(at: local) else { return reading }
        reading = max(reading, Int64((local + estimate.offset - estimate.error).rounded(.down)))
        return reading
    }

    /// PostgreSQL's clock as best estimated now, epoch ms (this host's wall clock while there is
    /// no estimate): for instants people see, such as a job's default startdate; not for firing.
    public var estimatedNow: Int64 {
        let wall = reactor.wallNow * 1000
        return Int64((wall + (wallOffset?.offset ?? 0)).rounded(.down))
    }

    /// PostgreSQL's clock less this host's wall clock, and the error of that figure, in ms
    /// (GET /nodes); nil while there is no estimate.
    public var wallOffset: (offset: Double, error: Double)? {
        let local = local
        let wall = reactor.wallNow * 1000
        return offset.estimate(at: local).map { (local + $0.offset - wall, $0.error) }
    }

    /// The monotonic clock, ms, read fresh.
    private var local: Double { reactor.monotonicNow * 1000 }

    private func measure() {
        evaluate()
        guard !inFlight else { return }
        inFlight = true
        var sent: Double?
        var query = PostgresQuery(prepared: "clock_now", Self.statement, []) { [weak self] outcome in
            guard let self else { return }
            let received = local
            inFlight = false
            switch outcome {
            case .success(let result):
                guard let sent, let text = result.rows.first?.first ?? nil, let server = Double(text),
                      offset.add(.init(sent: sent, server: server, received: received)) else {
                    return logger.warning("clock reading not understood", metadata: ["reading": "\(result.rows)"])
                }
                evaluate()
                onEvent(.adjusted)
            case .failure(let error):
                logger.debug("clock not read", metadata: ["error": "\(error)"])
            }
        }
        query.onSent = { [unowned self] in sent = local }
        postgres.send(query)
    }

    /// Moves between the states, logging each change once.
    private func evaluate() {
        let estimate = offset.estimate(at: local)
        let good = estimate.map { $0.error <= configuration.maxSkew * 1000 } ?? false
        let metadata: Logger.Metadata = [
            "offset_ms": "\(wallOffset.map { Self.rounded($0.offset) } ?? "none")",
            "error_ms": "\(estimate.map { Self.rounded($0.error) } ?? "none")",
            "max_clock_skew_s": "\(configuration.maxSkew)",
        ]
        switch (state, good) {
        case (.starting, true), (.stopped, true):
            logger.info(state == .starting ? "clock synchronised with PostgreSQL: firing starts"
                                           : "clock synchronised with PostgreSQL again: firing resumes", metadata: metadata)
            state = .synchronised
            onEvent(.firing)
        case (.synchronised, false):
            _ = now
            state = .stopped
            logger.error("firing stopped: the offset to PostgreSQL's clock is not known within --max-clock-skew", metadata: metadata)
            onEvent(.stopped)
        case (.starting, false) where local - startedAt > offset.configuration.window:
            state = .stopped
            logger.error("firing not started: the offset to PostgreSQL's clock is not known within --max-clock-skew", metadata: metadata)
        default:
            break
        }
    }

    private static func rounded(_ milliseconds: Double) -> String {
        String((milliseconds * 1000).rounded() / 1000)
    }
}
