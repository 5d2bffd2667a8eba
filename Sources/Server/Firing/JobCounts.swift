// JobCounts: a count per job that forgets jobs at zero, so that a table of counts never holds
// the jobs it once counted (bounded by the jobs with something counted now).

/// JobCounts counts things per job id.
struct JobCounts {
    private var counts: [Int64: Int] = [:]

    func count(of jobID: Int64) -> Int { counts[jobID] ?? 0 }

    mutating func add(_ jobID: Int64) {
        counts[jobID, default: 0] += 1
    }

    /// One less; a job at zero is forgotten (and stays at zero).
    mutating func remove(_ jobID: Int64) {
        guard let count = counts[jobID] else { return }
        counts[jobID] = count > 1 ? count - 1 : nil
    }

    mutating func removeAll(_ jobID: Int64) {
        counts[jobID] = nil
    }
}
