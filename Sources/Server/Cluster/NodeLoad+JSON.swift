// NodeLoad+JSON: the load figures as JSON, each key spelt and each value converted here
// once (the clock's to the microsecond, null while unmeasured). A heartbeat carries them all
// to Redis (ClusterState.Heartbeat writes and reads them through `Figure.all`); GET /nodes
// shows them beside each member's own fields (NodeJSON).
extension NodeLoad {
    /// One published figure: its JSON key and the field it comes from.
    struct Figure {
        enum Field {
            case count(WritableKeyPath<NodeLoad, Int>)
            case measure(WritableKeyPath<NodeLoad, Double>)
            /// A measure that may be missing (null).
            case estimate(WritableKeyPath<NodeLoad, Double?>)
        }

        let key: StaticString
        let field: Field

        static let cachedKB = Figure(key: "cached_kb", field: .count(\.cachedKB))
        static let clockErrorMs = Figure(key: "clock_error_ms", field: .estimate(\.clockErrorMs))
        static let clockOffsetMs = Figure(key: "clock_offset_ms", field: .estimate(\.clockOffsetMs))
        static let hostCPU = Figure(key: "cpu_host", field: .measure(\.hostCPU))
        static let processCPU = Figure(key: "cpu_process", field: .measure(\.processCPU))
        static let jobs = Figure(key: "jobs", field: .count(\.jobs))
        static let memAvailableKB = Figure(key: "mem_available_kb", field: .count(\.memAvailableKB))
        static let memTotalKB = Figure(key: "mem_total_kb", field: .count(\.memTotalKB))
        static let rssKB = Figure(key: "rss_kb", field: .count(\.rssKB))
        static let scheduled = Figure(key: "scheduled", field: .count(\.scheduled))
        static let weight = Figure(key: "weight", field: .measure(\.weight))
        static let workers = Figure(key: "workers", field: .count(\.workers))

        /// Every figure, in key order (alphabetical, as the API writes keys).
        static let all = [cachedKB, clockErrorMs, clockOffsetMs, hostCPU, processCPU, jobs, memAvailableKB, memTotalKB, rssKB, scheduled, weight, workers]
    }

    /// Writes the figure's key and its value in `load`; null without a load (it expired).
    static func write(_ figure: Figure, of load: NodeLoad?, into json: inout JSONWriter) {
        json.key(figure.key)
        switch figure.field {
        case .count(let field):
            json.integer(load?[keyPath: field])
        case .measure(let field):
            if let load { json.number(load[keyPath: field]) } else { json.null() }
        case .estimate(let field):
            if let value = load?[keyPath: field] { json.number((value * 1000).rounded() / 1000) } else { json.null() }
        }
    }

    /// Sets the figure's field from a JSON number (an integer field keeps its integer part).
    mutating func set(_ figure: Figure, to value: Double) {
        switch figure.field {
        case .count(let field): self[keyPath: field] = Int(value)
        case .measure(let field): self[keyPath: field] = value
        case .estimate(let field): self[keyPath: field] = value
        }
    }
}
