// OwnedWeights: what the cluster knows of the weight (JobWeight) of each job this node owns —
// fire rates of the scheduled ones, run times observed here, and the weight the cluster holds
// for each (announced at adoption or last pushed) — so that the heartbeat publishes the
// node's owned weight and only weights that moved are pushed. Fed by the firing layer through
// `Ownership`; pure, with an injected clock.
//
// A job's fire rate is computed once per definition: at creation (for the announcement, kept
// a short while in case the leader gives the job to this node) or when it is scheduled.
import Collections

/// OwnedWeights is the ledger of job weights on the owner's side.
final class OwnedWeights {
    /// Fire rates (per s) of the jobs in the wheel, by version.
    private var rates: [Int64: (version: Int, rate: Double)] = [:]
    /// Mean run time observed on this node (ms, exponentially weighted) of scheduled jobs.
    private var meanRuns: [Int64: Double] = [:]
    /// The weight the cluster holds for each owned job, as far as this node knows.
    private var announced: [Int64: Double] = [:]
    /// Rates computed for jobs this node's API created, kept `primedSeconds` (at most
    /// `primedLimit`) in case they are given to this node.
    private var primed: [Int64: (version: Int, rate: Double, at: Double)] = [:]
    private var primedOrder = Deque<(id: Int64, at: Double)>()
    private let clock: () -> Double
    static let primedLimit = 100_000
    static let primedSeconds = 30.0

    /// `clock`: monotonic seconds.
    init(clock: @escaping () -> Double) {
        self.clock = clock
    }

    /// The weights of jobs just created here (what the announcement carries).
    func created(_ jobs: [Job], now: Int64) -> [Double] {
        let at = clock()
        prunePrimed(at)
        return jobs.map { job in
            guard let rate = JobWeight.fireRate(of: job, now: now) else { return JobWeight.idle }
            primed[job.id] = (job.version, rate, at)
            primedOrder.append((job.id, at))
            return JobWeight.weight(fireRate: rate, meanRunMilliseconds: nil)
        }
    }

    func scheduled(_ job: Job, times: FireTimes, now: Int64) {
        if let known = rates[job.id], known.version == job.version { return }
        let rate: Double
        if let ready = primed.removeValue(forKey: job.id), ready.version == job.version {
            rate = ready.rate
        } else {
            rate = JobWeight.fireRate(times, now: now)
        }
        rates[job.id] = (job.version, rate)
    }

    func unscheduled(_ id: Int64) {
        rates[id] = nil
        meanRuns[id] = nil
    }

    func ran(_ id: Int64, milliseconds: Double) {
        guard rates[id] != nil else { return }
        meanRuns[id] = meanRuns[id].map { 0.8 * $0 + 0.2 * milliseconds } ?? milliseconds
    }

    /// A job's weight now: idle unless scheduled.
    func weight(_ id: Int64) -> Double {
        guard let rate = rates[id]?.rate else { return JobWeight.idle }
        return JobWeight.weight(fireRate: rate, meanRunMilliseconds: meanRuns[id])
    }

    /// The summed weight of `owned` jobs, of which the scheduled ones are all in the ledger.
    func total(ownedCount: Int) -> Double {
        rates.keys.reduce(0) { $0 + weight($1) } + Double(max(ownedCount - rates.count, 0)) * JobWeight.idle
    }

    /// Adoption finished: the cluster holds the weight the job has now.
    func adopted(_ id: Int64) {
        announced[id] = weight(id)
    }

    /// The jobs (among `loaded`) whose weight moved more than a tenth away from what the
    /// cluster holds for them.
    func changes(_ loaded: some Sequence<Int64>) -> [Int64: Double] {
        var changes: [Int64: Double] = [:]
        for id in loaded {
            let weight = weight(id)
            if let known = announced[id], abs(weight - known) <= 0.1 * known { continue }
            changes[id] = weight
        }
        return changes
    }

    func pushed(_ weights: [Int64: Double], owned: Set<Int64>) {
        for (id, weight) in weights where owned.contains(id) {
            announced[id] = weight
        }
    }

    /// Jobs that left this node.
    func forget(_ ids: [Int64]) {
        ids.forEach { announced[$0] = nil }
    }

    private func prunePrimed(_ now: Double) {
        while let oldest = primedOrder.first, primedOrder.count > Self.primedLimit || now - oldest.at > Self.primedSeconds {
            primedOrder.removeFirst()
            if let entry = primed[oldest.id], entry.at == oldest.at {
                primed[oldest.id] = nil
            }
        }
    }
}
