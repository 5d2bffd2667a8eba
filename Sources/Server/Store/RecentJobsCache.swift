// RecentJobsCache: a JobStore that remembers the rows this node's API just created, so that
// when the leader gives such a job to this node (most often moments after its commit) it is
// scheduled without reading it back. Every other call goes to the wrapped store; an update
// or a deletion through this node, or a change heard from another node (`forget`), drops the
// copy, so an adoption then reads the changed row. Bounded: at most `limit` rows, each kept
// at most `maxAge` seconds.
import Collections

/// RecentJobsCache decorates a JobStore with a bounded cache of just-created rows.
public final class RecentJobsCache: JobStore {
    private let store: JobStore
    private let clock: () -> Double
    private let limit: Int
    private let maxAge: Double
    private var rows: [Int64: (job: Job, at: Double)] = [:]
    private var order = Deque<(id: Int64, at: Double)>()

    /// `clock`: monotonic seconds. `limit`: rows kept; `maxAge`: seconds each is kept.
    public init(store: JobStore, clock: @escaping () -> Double, limit: Int = 100_000, maxAge: Double = 30) {
        self.store = store
        self.clock = clock
        self.limit = limit
        self.maxAge = maxAge
    }

    /// Removes and returns the cached rows of these jobs (the others are left to a read).
    public func take(_ ids: some Sequence<Int64>) -> [Job] {
        prune()
        return ids.compactMap { rows.removeValue(forKey: $0)?.job }
    }

    /// Drops the cached rows of jobs changed elsewhere.
    public func forget(_ ids: some Sequence<Int64>) {
        ids.forEach { rows[$0] = nil }
    }

    var count: Int { rows.count }

    private func remember(_ jobs: [Job]) {
        let now = clock()
        for job in jobs {
            rows[job.id] = (job, now)
            order.append((job.id, now))
        }
        prune()
    }

    private func prune() {
        let now = clock()
        while let oldest = order.first, order.count > limit || now - oldest.at > maxAge {
            order.removeFirst()
            if let row = rows[oldest.id], row.at == oldest.at {
                rows[oldest.id] = nil
            }
        }
    }

    // MARK: - JobStore

    public var isAvailable: Bool { store.isAvailable }
    public var unavailableReason: String { store.unavailableReason }

    public func create(_ drafts: [JobDraft], completion: @escaping (Result<[Job], StoreError>) -> Void) {
        store.create(drafts) { [self] outcome in
            if case .success(let jobs) = outcome {
                remember(jobs)
            }
            completion(outcome)
        }
    }

    public func update(_ job: Job, to definition: JobDraft, completion: @escaping (Result<Job?, StoreError>) -> Void) {
        rows[job.id] = nil
        store.update(job, to: definition, completion: completion)
    }

    public func delete(id: Int64, completion: @escaping (Result<Bool, StoreError>) -> Void) {
        rows[id] = nil
        store.delete(id: id, completion: completion)
    }

    public func fetch(id: Int64, completion: @escaping (Result<Job?, StoreError>) -> Void) {
        store.fetch(id: id, completion: completion)
    }

    public func fetch(ids: [Int64], completion: @escaping (Result<[Job], StoreError>) -> Void) {
        store.fetch(ids: ids, completion: completion)
    }

    public func list(after: Int64, limit: Int, name: String?, completion: @escaping (Result<[Job], StoreError>) -> Void) {
        store.list(after: after, limit: limit, name: name, completion: completion)
    }

    public func versions(changedSince since: UInt64?, completion: @escaping (Result<JobVersions, StoreError>) -> Void) {
        store.versions(changedSince: since, completion: completion)
    }
}
