// LoadScore: how the leader compares nodes when it gives out jobs. A node's score is the
// weight of the jobs it owns, scaled up when its host runs short of CPU or memory, so that
// jobs go where they will be fired and run on time, and the seed's "cached memory" (reclaimable
// page cache, counted as available by MemAvailable) never makes a node look full.

/// LoadScore turns a node's published figures into one comparable number; lower is better.
enum LoadScore {
    /// Host CPU busy fraction up to which CPU adds no pressure.
    static let cpuKnee = 0.75
    /// MemAvailable fraction down to which memory adds no pressure.
    static let memoryKnee = 0.20
    /// Each factor's value when its resource is exhausted (CPU 100 %, no memory available).
    static let maximumFactor = 4.0
    /// Added to every weight so that pressure still separates nodes that own nothing.
    static let weightFloor = 0.001

    /// A multiplier of at least 1 for a node's weight, from its host's CPU and memory.
    ///
    /// It is exactly 1 while the host's CPUs are at most 75 % busy and at least 20 % of its
    /// memory is available: several nodes on one lightly loaded host (or hosts alike) then
    /// compare on job weight alone, and the noise of one sampling interval changes nothing.
    /// Past the knees each factor grows linearly, to 4 at 100 % CPU and to 4 at no available
    /// memory; the two factors multiply, so a host short of both is avoided most (up to 16).
    /// Inputs are clamped to 0...1; an unknown (NaN) CPU reading counts as idle and an unknown
    /// memory reading as plenty, so missing figures never push jobs away.
    static func pressure(hostCPU: Double, memAvailableFraction: Double) -> Double {
        let cpu = hostCPU.isNaN ? 0 : min(max(hostCPU, 0), 1)
        let memory = memAvailableFraction.isNaN ? 1 : min(max(memAvailableFraction, 0), 1)
        var cpuFactor = 1.0
        if cpu > cpuKnee {
            cpuFactor += (maximumFactor - 1) * (cpu - cpuKnee) / (1 - cpuKnee)
        }
        var memoryFactor = 1.0
        if memory < memoryKnee {
            memoryFactor += (maximumFactor - 1) * (memoryKnee - memory) / memoryKnee
        }
        return cpuFactor * memoryFactor
    }

    /// The score of a node owning `weight` (the sum of its jobs' weights, busy seconds per
    /// second) under `pressure`: (weight + 0.001) × pressure.
    ///
    /// Without the small floor every empty node would score 0 whatever its host's state; with
    /// it, an empty node on a busy host scores above an empty node on an idle one. The floor is
    /// the weight of one short job firing every 10 seconds, small beside any real load. A
    /// negative or NaN weight counts as 0.
    static func score(weight: Double, pressure: Double) -> Double {
        let owned = weight > 0 ? weight : 0
        return (owned + weightFloor) * pressure
    }
}
