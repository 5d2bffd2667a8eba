// FiringTimer: what the firing layer keeps in the timing wheel — a job's next tick, or a
// retry of a failed run — and `TickTimers`, the wheel as the firing layer's pure parts see it.
// The node hands them a ReactorTimingWheel; unit tests hand them a TimingWheel they advance
// by hand, so the job book and the dispatcher run without a reactor.

/// A wheel timer: `id` is the job id for a tick, the retry's key for a retry.
public struct FiringTimer: Sendable, Equatable, BitwiseCopyable {
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        case tick
        case retry
    }

    public let kind: Kind
    public let id: Int64

    public init(kind: Kind, id: Int64) {
        self.kind = kind
        self.id = id
    }
}

/// Timers at wall-clock instants (epoch ms); a timer never fires early.
public protocol TickTimers: AnyObject {
    @discardableResult
    func schedule(_ payload: FiringTimer, at deadline: Int64) -> TimerHandle
    /// A stale handle is a no-op.
    @discardableResult
    func cancel(_ handle: TimerHandle) -> FiringTimer?
}

extension ReactorTimingWheel: TickTimers where Payload == FiringTimer {}
