// FairQueue: won runs waiting for a worker slot, served round-robin by job rather than in
// one FIFO, so that a job firing often (or whose runs hang) cannot make every other job wait
// behind it (issue: one job starving a node). Bounded twice: at most `perJobLimit` runs of one
// job wait (the caller records a tick beyond it `skipped`: late ticks are coalesced), and at
// most `limit` in all. `pop` skips jobs that may not start another run now (their
// concurrency limit), leaving them their turn.
//
// Example: jobs A (runs a1 a2 a3) and B (b1) waiting; pops give a1, b1, a2, a3 — B's run
// does not wait behind all of A's.
import Collections

/// FairQueue is a bounded round-robin queue of items keyed by job.
struct FairQueue<Item> {
    /// Items waiting in all.
    let limit: Int
    /// Items of one job waiting.
    let perJobLimit: Int
    private var queues: [Int64: Deque<Item>] = [:]
    /// Jobs with waiting items, in turn order.
    private var turn = Deque<Int64>()
    private(set) var count = 0

    init(limit: Int, perJobLimit: Int) {
        self.limit = max(limit, 1)
        self.perJobLimit = max(perJobLimit, 1)
    }

    var isEmpty: Bool { count == 0 }

    /// Items of one job waiting.
    func count(of jobID: Int64) -> Int { queues[jobID]?.count ?? 0 }

    /// Why an item of `jobID` cannot be added now, or nil when it can. `ignoringJobLimit`: only
    /// the node's bound applies (misfire replays, bounded on their own).
    func refusal(for jobID: Int64, ignoringJobLimit: Bool = false) -> Refusal? {
        if !ignoringJobLimit, count(of: jobID) >= perJobLimit { return .jobFull }
        if count >= limit { return .nodeFull }
        return nil
    }

    enum Refusal: Equatable {
        case jobFull
        case nodeFull
    }

    /// Adds an item at the back of its job's queue; false (not added) when a bound is reached.
    @discardableResult
    mutating func append(_ item: Item, jobID: Int64, ignoringJobLimit: Bool = false) -> Bool {
        guard refusal(for: jobID, ignoringJobLimit: ignoringJobLimit) == nil else { return false }
        if queues[jobID] == nil {
            queues[jobID] = Deque()
            turn.append(jobID)
        }
        queues[jobID]!.append(item)
        count += 1
        return true
    }

    /// The next item in round-robin order among jobs for which `eligible` holds; its job moves
    /// to the back of the turn. O(jobs waiting) at worst (when most are not eligible).
    mutating func pop(where eligible: (Int64) -> Bool = { _ in true }) -> Item? {
        for _ in 0..<turn.count {
            let jobID = turn.removeFirst()
            guard eligible(jobID) else {
                turn.append(jobID)
                continue
            }
            let item = queues[jobID]!.removeFirst()
            count -= 1
            if queues[jobID]!.isEmpty {
                queues[jobID] = nil
            } else {
                turn.append(jobID)
            }
            return item
        }
        return nil
    }

    /// Removes the first waiting item of a job that matches; nil when none does.
    mutating func remove(of jobID: Int64, where matches: (Item) -> Bool) -> Item? {
        guard let index = queues[jobID]?.firstIndex(where: matches) else { return nil }
        let item = queues[jobID]!.remove(at: index)
        count -= 1
        if queues[jobID]!.isEmpty {
            queues[jobID] = nil
            turn.removeAll { $0 == jobID }
        }
        return item
    }

    /// Removes every waiting item, in turn order, and returns them.
    mutating func removeAllItems() -> [Item] {
        var items: [Item] = []
        while let item = pop() { items.append(item) }
        return items
    }

    /// Removes every waiting item of a job (paused, deleted) and returns them.
    mutating func removeAll(of jobID: Int64) -> [Item] {
        guard let items = queues.removeValue(forKey: jobID) else { return [] }
        turn.removeAll { $0 == jobID }
        count -= items.count
        return Array(items)
    }
}
