// NodeLoad: one node's load at one moment, as it publishes it with its heartbeat: what it
// owns, how busy the host's CPUs are, how much memory is left, what its own processes
// (master and workers) use, and how far its clock is from PostgreSQL's. The leader turns it into a load score (LoadScore).

/// NodeLoad is one node's load at one moment, as published with its heartbeat (public
/// because ClusterState.Heartbeat carries it).
public struct NodeLoad: Equatable, Sendable {
    /// Jobs the node owns (filled by the caller).
    public var jobs: Int = 0
    /// Sum of the weights of the jobs it owns (filled by the caller; see JobWeight).
    public var weight: Double = 0
    /// Busy fraction of all the host's CPUs over the last interval, 0...1.
    public var hostCPU: Double = 0
    /// Cores used by the sampled processes over the last interval; may exceed 1.
    public var processCPU: Double = 0
    public var memTotalKB: Int = 0
    /// `MemAvailable`: free memory plus what the kernel can reclaim (most of the page cache).
    public var memAvailableKB: Int = 0
    /// `Cached`: the page cache, shown for information; MemAvailable already counts its
    /// reclaimable part as free.
    public var cachedKB: Int = 0
    /// Resident memory summed over the sampled processes.
    public var rssKB: Int = 0
    /// Live worker processes (filled by the caller).
    public var workers: Int = 0
    /// Owned jobs loaded into the node's timing wheel (filled by the caller).
    public var scheduled: Int = 0
    /// PostgreSQL's clock less the node's wall clock, ms, and the error of that estimate, ms
    /// (filled by the caller, from ClockSync); nil while unmeasured.
    public var clockOffsetMs: Double?
    public var clockErrorMs: Double?

    public init(
        jobs: Int = 0, weight: Double = 0, hostCPU: Double = 0, processCPU: Double = 0,
        memTotalKB: Int = 0, memAvailableKB: Int = 0, cachedKB: Int = 0, rssKB: Int = 0, workers: Int = 0
    ) {
        self.jobs = jobs
        self.weight = weight
        self.hostCPU = hostCPU
        self.processCPU = processCPU
        self.memTotalKB = memTotalKB
        self.memAvailableKB = memAvailableKB
        self.cachedKB = cachedKB
        self.rssKB = rssKB
        self.workers = workers
    }

    /// MemAvailable / MemTotal; 1 when the total is unknown (0), so that a missing reading
    /// never looks like memory pressure.
    public var memAvailableFraction: Double {
        guard memTotalKB > 0 else { return 1 }
        return min(max(Double(memAvailableKB) / Double(memTotalKB), 0), 1)
    }
}
