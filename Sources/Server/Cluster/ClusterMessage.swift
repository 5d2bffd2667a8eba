// ClusterMessage: what travels on CHANNEL, as one line of text: a kind, then a node id and/or
// a comma-separated list of job ids.
//
//   assign <node> <ids>    the leader gave these jobs to <node> (its owner loads them)
//   release <node> <ids>   <node> no longer owns these (rebalancing): it drops them
//   created <count>        new jobs wait in JOB_STORE (the leader assigns them)
//   updated <ids>          definitions changed in PostgreSQL (their owners re-read them)
//   deleted <ids>          jobs deleted (their owners drop them)
//   joined|left|dead <node>, leader <node>   membership and leadership events
//
// Messages are hints that speed things up, never the only way to learn something: owners
// also re-read their share from JOB_PROCESSED, and the leader re-reads the stores.
enum ClusterMessage: Equatable {
    case assign(node: String, jobs: [Int64])
    case release(node: String, jobs: [Int64])
    case created(count: Int)
    case updated([Int64])
    case deleted([Int64])
    case joined(String)
    case left(String)
    case dead(String)
    case leader(String)
    /// Runs to stop, addressed to the node running them.
    case cancel(node: String, runs: [Int64])

    init?(_ text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let kind = parts.first else { return nil }
        func ids(_ text: String) -> [Int64]? {
            let values = text.split(separator: ",").compactMap { Int64($0) }
            return values.isEmpty ? nil : values
        }
        switch (kind, parts.count) {
        case ("assign", 3): guard let jobs = ids(parts[2]) else { return nil }; self = .assign(node: parts[1], jobs: jobs)
        case ("release", 3): guard let jobs = ids(parts[2]) else { return nil }; self = .release(node: parts[1], jobs: jobs)
        case ("created", 2): guard let count = Int(parts[1]), count > 0 else { return nil }; self = .created(count: count)
        case ("updated", 2): guard let jobs = ids(parts[1]) else { return nil }; self = .updated(jobs)
        case ("deleted", 2): guard let jobs = ids(parts[1]) else { return nil }; self = .deleted(jobs)
        case ("joined", 2): self = .joined(parts[1])
        case ("left", 2): self = .left(parts[1])
        case ("dead", 2): self = .dead(parts[1])
        case ("leader", 2): self = .leader(parts[1])
        case ("cancel", 3): guard let runs = ids(parts[2]) else { return nil }; self = .cancel(node: parts[1], runs: runs)
        default: return nil
        }
    }

    var text: String {
        func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }
        switch self {
        case .assign(let node, let jobs): return "assign \(node) \(list(jobs))"
        case .release(let node, let jobs): return "release \(node) \(list(jobs))"
        case .created(let count): return "created \(count)"
        case .updated(let jobs): return "updated \(list(jobs))"
        case .deleted(let jobs): return "deleted \(list(jobs))"
        case .joined(let node): return "joined \(node)"
        case .left(let node): return "left \(node)"
        case .dead(let node): return "dead \(node)"
        case .leader(let node): return "leader \(node)"
        case .cancel(let node, let runs): return "cancel \(node) \(list(runs))"
        }
    }
}
