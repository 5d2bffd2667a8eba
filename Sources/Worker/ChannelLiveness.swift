// ChannelLiveness: whether the other end of a master↔worker channel is still heard from — the
// master's watch on each worker (`--worker-timeout`) and each worker's watch on its master
// (its fence), the same rule at both ends.
//
// Every frame received counts as life (the master pings every second and the worker answers,
// besides its stats and run reports). The owner checks on a timer; a silence of `timeout`
// seconds or more is the other end's failure. One exception: a check that comes much later
// than its interval means this process itself did not run (it was stopped, or starved): what
// the other end sent meanwhile waits unread in the socket, so its silence is not its fault and
// is forgiven — counted from the late check. Pure: times (s, on a monotonic clock) come in as
// arguments, so it is tested with an injected clock.
public struct ChannelLiveness: Equatable, Sendable {
    /// Seconds of silence after which the other end is given up.
    public let timeout: Double
    /// Seconds between the owner's checks; a check `stallFactor` times as late as that means
    /// the owner itself stalled.
    public let checkInterval: Double
    static let stallFactor = 2.0

    /// When a frame was last received, or the silence last forgiven.
    public private(set) var lastHeard: Double
    private var lastCheck: Double

    public init(timeout: Double, checkInterval: Double, now: Double) {
        self.timeout = timeout
        self.checkInterval = checkInterval
        lastHeard = now
        lastCheck = now
    }

    /// A frame arrived at `now`.
    public mutating func heard(at now: Double) {
        lastHeard = max(lastHeard, now)
    }

    /// The owner's periodic check at `now`: whether the other end has been silent for
    /// `timeout` seconds or more (while this process ran).
    public mutating func isSilent(at now: Double) -> Bool {
        defer { lastCheck = now }
        if now - lastCheck > Self.stallFactor * checkInterval {
            lastHeard = max(lastHeard, now)
            return false
        }
        return now - lastHeard >= timeout
    }

    /// Seconds since the other end was last heard (or forgiven).
    public func silence(at now: Double) -> Double {
        max(now - lastHeard, 0)
    }
}
