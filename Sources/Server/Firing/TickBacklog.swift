// TickBacklog: ticks that could not be claimed while PostgreSQL was unreachable, oldest
// first, claimed again when it answers. Bounded: past `limit` the oldest is dropped (and
// handed back, to be logged), so an outage costs memory in proportion to the bound, never
// to its length.
import Collections

/// TickBacklog is a bounded FIFO of waiting claims.
struct TickBacklog {
    let limit: Int
    private var waiting = Deque<TickClaim>()

    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    var isEmpty: Bool { waiting.isEmpty }
    var count: Int { waiting.count }

    /// Appends a claim; returns the oldest one dropped to make room, if any.
    mutating func append(_ claim: TickClaim) -> TickClaim? {
        let dropped = waiting.count >= limit ? waiting.popFirst() : nil
        waiting.append(claim)
        return dropped
    }

    /// Every waiting claim, oldest first, leaving the backlog empty.
    mutating func takeAll() -> [TickClaim] {
        defer { waiting.removeAll() }
        return Array(waiting)
    }
}
