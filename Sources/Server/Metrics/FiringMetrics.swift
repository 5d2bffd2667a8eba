// FiringMetrics: what the firing layer counts as ticks come due and runs end (RunDispatcher):
// ticks fired, claimed, won and skipped by reason, runs by final status, fire lateness and run
// durations, backlog drops. Every metric object is made here once, its labels fixed; an
// update is an atomic add or a histogram record, with no allocation.
import CoreMetrics

struct FiringMetrics {
    /// Why a tick was recorded skipped (the label `reason`).
    enum SkipReason: String, CaseIterable {
        case forbid, backlog, misfire
    }

    let ticksFired: CoreMetrics.Counter
    let ticksClaimed: CoreMetrics.Counter
    let ticksWon: CoreMetrics.Counter
    private let skipped: [SkipReason: CoreMetrics.Counter]
    private let finished: [Run.Status: CoreMetrics.Counter]
    private let durations: [Run.Status: CoreMetrics.Timer]
    let fireLateness: CoreMetrics.Timer
    let ticksDropped: CoreMetrics.Counter
    let retriesDropped: CoreMetrics.Counter

    /// The final statuses of a run that was won (a skipped tick counts in `ticksSkipped`).
    static let finalStatuses: [Run.Status] = [.succeeded, .failed, .timedOut, .lost, .cancelled]

    /// Metrics that go nowhere, for parts built without a node (tests).
    static let none = FiringMetrics(factory: NOOPMetricsHandler.instance)

    init(factory: MetricsFactory) {
        func counter(_ definition: MetricDefinition, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: definition.name, dimensions: dimensions, factory: factory)
        }
        ticksFired = counter(.ticksFired)
        ticksClaimed = counter(.ticksClaimed)
        ticksWon = counter(.ticksWon)
        skipped = Dictionary(uniqueKeysWithValues: SkipReason.allCases.map { ($0, counter(.ticksSkipped, [("reason", $0.rawValue)])) })
        finished = Dictionary(uniqueKeysWithValues: Self.finalStatuses.map { ($0, counter(.runsFinished, [("status", $0.rawValue)])) })
        durations = Dictionary(uniqueKeysWithValues: Self.finalStatuses.map {
            ($0, CoreMetrics.Timer(label: MetricDefinition.runDuration.name, dimensions: [("status", $0.rawValue)], factory: factory))
        })
        fireLateness = CoreMetrics.Timer(label: MetricDefinition.fireLateness.name, factory: factory)
        ticksDropped = counter(.backlogDrops, [("queue", "store")])
        retriesDropped = counter(.backlogDrops, [("queue", "retries")])
    }

    func skipped(_ reason: SkipReason) {
        skipped[reason]?.increment()
    }

    /// A run ended with `status`; `startedAt`/`finishedAt` (epoch ms) give its duration when it ran.
    func finished(_ status: Run.Status, startedAt: Int64?, finishedAt: Int64?) {
        finished[status]?.increment()
        if let startedAt, let finishedAt, finishedAt >= startedAt {
            durations[status]?.recordMilliseconds(finishedAt - startedAt)
        }
    }

    /// A run's script started at `startedAt` for its tick at `scheduledAt` (both epoch ms).
    func started(scheduledAt: Int64, startedAt: Int64) {
        fireLateness.recordMilliseconds(max(startedAt - scheduledAt, 0))
    }
}
