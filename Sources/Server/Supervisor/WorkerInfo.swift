// WorkerInfo: one worker slot as GET /workers and the heartbeat show it.
public struct WorkerInfo: Sendable, Equatable {
    public let slot: Int
    /// The live worker's pid; 0 while the slot has none.
    public let pid: Int32
    /// `running`, `stopping` (asked to stop), `restarting` (waiting out its back-off),
    /// `failed` (exited with the fatal code: left down), `stopped`.
    public let state: String
    /// Runs sent to the worker and not finished.
    public let inFlight: Int
    /// The worker's resident memory (KiB) and CPU time (ms), as it last reported them.
    public let rssKilobytes: Int
    public let cpuMilliseconds: Int64
    /// Times the slot's worker was restarted.
    public let restarts: Int

    public init(slot: Int, pid: Int32, state: String, inFlight: Int, rssKilobytes: Int, cpuMilliseconds: Int64, restarts: Int) {
        self.slot = slot
        self.pid = pid
        self.state = state
        self.inFlight = inFlight
        self.rssKilobytes = rssKilobytes
        self.cpuMilliseconds = cpuMilliseconds
        self.restarts = restarts
    }
}
