// AssignmentPlanner: the leader's decisions of which node owns which job, as pure functions of
// the nodes' published loads and the jobs' weights, so that they can be tested without Redis
// or PostgreSQL. The leader applies the plan (ownership in JOB_STORE, a move at a tick
// boundary); this file only decides.

/// AssignmentPlanner places unowned jobs and rebalances owned ones by load score
/// (`LoadScore.score`: a node's total job weight times its host's pressure).
///
/// Weights that are negative or not finite count as 0, as does a node's; a pressure that is
/// not a positive finite number counts as 1. Node ids are expected to be unique.
struct AssignmentPlanner {
    /// A node as the leader sees it.
    struct Node: Equatable {
        let id: String
        /// The sum of the weights of the jobs it owns.
        var weight: Double
        /// `LoadScore.pressure` of its host.
        let pressure: Double
    }

    /// One job changing owner.
    struct Move: Equatable {
        let jobID: Int64
        let from: String
        let to: String
    }

    /// Gives each unowned job to the node with the lowest score after adding it, heaviest jobs
    /// first (longest-processing-time-first: the big pieces are placed while there is room,
    /// the small ones even out the rest), ties by job id, updating the projected weights as it
    /// goes. Ties between nodes go to the smallest node id. No nodes → [].
    ///
    /// The result lists jobs in the order they were placed, heaviest first.
    static func assign(_ jobs: [(id: Int64, weight: Double)], to nodes: [Node]) -> [(jobID: Int64, node: String)] {
        guard !nodes.isEmpty, !jobs.isEmpty else { return [] }
        var nodes = nodes.map(sanitized).sorted { $0.id < $1.id }
        let ordered = jobs.map { (id: $0.id, weight: sanitized($0.weight)) }.sorted {
            $0.weight != $1.weight ? $0.weight > $1.weight : $0.id < $1.id
        }
        var result: [(jobID: Int64, node: String)] = []
        result.reserveCapacity(ordered.count)
        for job in ordered {
            var best = 0
            var bestScore = LoadScore.score(weight: nodes[0].weight + job.weight, pressure: nodes[0].pressure)
            for index in nodes.indices.dropFirst() {
                let score = LoadScore.score(weight: nodes[index].weight + job.weight, pressure: nodes[index].pressure)
                if score < bestScore {
                    best = index
                    bestScore = score
                }
            }
            nodes[best].weight += job.weight
            result.append((jobID: job.id, node: nodes[best].id))
        }
        return result
    }

    /// Moves jobs from the most to the least loaded node while their loads are far apart.
    ///
    /// Nothing moves unless the highest score exceeds the lowest by more than `trigger`
    /// (1.25: by more than 25 %), or the lowest-scoring node owns nothing (weight 0, only the
    /// score floor) while the highest owns jobs it could give. Then, re-picking the highest
    /// and the lowest node after each move (ties to the smallest node id), one job moves from
    /// the first to the second, until the highest score is at most `target` times the lowest,
    /// or no job of the highest node narrows their gap, or `maxMoves` moves are planned.
    ///
    /// The job moved is the heaviest whose weight is at most half the gap in weight terms,
    /// `(highScore - lowScore) / (highPressure + lowPressure)`, the amount that would make the
    /// two scores equal; moving it never overshoots. When every job of the highest node is
    /// heavier, the lightest one still moves if it is lighter than twice that amount: the two
    /// scores then cross but end closer than they were. Equal weights go to the smallest job
    /// id. Either move lowers Σ score²/pressure, so the plan never cycles; each job moves at
    /// most once per plan, and only a job `jobs` lists under the node it moves from.
    static func rebalance(
        nodes: [Node], jobs: [String: [(id: Int64, weight: Double)]],
        trigger: Double = 1.25, target: Double = 1.05, maxMoves: Int = 1000
    ) -> [Move] {
        guard nodes.count >= 2, maxMoves > 0 else { return [] }
        var nodes = nodes.map(sanitized).sorted { $0.id < $1.id }
        // Each node's movable jobs, lightest first, equal weights by ascending id.
        var owned: [[(id: Int64, weight: Double)]] = nodes.map { node in
            (jobs[node.id] ?? []).map { (id: $0.id, weight: sanitized($0.weight)) }
                .filter { $0.weight > 0 }
                .sorted { $0.weight != $1.weight ? $0.weight < $1.weight : $0.id < $1.id }
        }
        func score(_ index: Int) -> Double {
            LoadScore.score(weight: nodes[index].weight, pressure: nodes[index].pressure)
        }
        func extremes() -> (high: Int, low: Int) {
            var high = 0
            var low = 0
            for index in nodes.indices.dropFirst() {
                if score(index) > score(high) { high = index }
                if score(index) < score(low) { low = index }
            }
            return (high, low)
        }

        let (firstHigh, firstLow) = extremes()
        let spread = score(firstHigh) > score(firstLow) * trigger
        let emptyVersusOwning = nodes[firstLow].weight == 0 && !owned[firstHigh].isEmpty
        guard firstHigh != firstLow, spread || emptyVersusOwning else { return [] }

        var moves: [Move] = []
        while moves.count < maxMoves {
            let (high, low) = extremes()
            let highScore = score(high)
            let lowScore = score(low)
            guard high != low, highScore > lowScore * target else { break }
            let balancing = (highScore - lowScore) / (nodes[high].pressure + nodes[low].pressure)
            guard let index = pick(from: owned[high], balancing: balancing) else { break }
            let job = owned[high].remove(at: index)
            nodes[high].weight = max(nodes[high].weight - job.weight, 0)
            nodes[low].weight += job.weight
            moves.append(Move(jobID: job.id, from: nodes[high].id, to: nodes[low].id))
        }
        return moves
    }

    /// The index in `jobs` (sorted by ascending weight, then id) of the job to move when
    /// `balancing` weight would even the two nodes out; nil when no job narrows their gap.
    private static func pick(from jobs: [(id: Int64, weight: Double)], balancing: Double) -> Int? {
        guard balancing > 0 else { return nil }
        let above = firstIndex(in: jobs) { $0.weight > balancing }
        if above > 0 {
            let heaviest = jobs[above - 1].weight
            return firstIndex(in: jobs) { $0.weight >= heaviest }
        }
        if above < jobs.count, jobs[above].weight < 2 * balancing {
            return above
        }
        return nil
    }

    /// The first index whose job satisfies `predicate`, which must be false then true along
    /// `jobs`; `jobs.count` when none does.
    private static func firstIndex(
        in jobs: [(id: Int64, weight: Double)], where predicate: ((id: Int64, weight: Double)) -> Bool
    ) -> Int {
        var low = 0
        var high = jobs.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(jobs[middle]) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }

    private static func sanitized(_ weight: Double) -> Double {
        weight.isFinite && weight > 0 ? weight : 0
    }

    private static func sanitized(_ node: Node) -> Node {
        let pressure = node.pressure.isFinite && node.pressure > 0 ? node.pressure : 1
        return Node(id: node.id, weight: sanitized(node.weight), pressure: pressure)
    }
}
