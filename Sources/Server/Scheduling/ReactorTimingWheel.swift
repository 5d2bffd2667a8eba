// ReactorTimingWheel: a TimingWheel driven by the reactor through one libev timer.
//
// The libev timer is armed for the wheel's next expiry (the next non-empty slot), never at a
// fixed tick rate: an idle node does not wake every millisecond, and a node with nothing
// scheduled has no timer armed at all. When it fires, the wheel advances to the time its
// clock reads (the cluster's clock for the firing layer, see ClockSync) and each expired timer
// is handed to `onExpired`, which may schedule and cancel freely. A timer never fires early:
// if libev wakes before a deadline (the clock is read in whole milliseconds, or it moved more
// slowly than the monotonic clock libev sleeps on), the wheel hands back nothing and the timer
// is re-armed.
import EventLoop

public final class ReactorTimingWheel<Payload: BitwiseCopyable> {
    public typealias Expired = TimingWheel<Payload>.Expired

    private let reactor: Reactor
    private let clock: () -> Int64
    private var wheel: TimingWheel<Payload>
    private var timer: TimerWatcher!
    /// The expiry the libev timer is armed for, if armed.
    private var armedFor: Int64?
    private var expired: [Expired] = []
    private let onExpired: (Expired) -> Void

    /// `clock`: the wall-clock instant deadlines are on, epoch ms; it must never go back.
    public init(reactor: Reactor, clock: @escaping () -> Int64, onExpired: @escaping (Expired) -> Void) {
        self.reactor = reactor
        self.clock = clock
        self.onExpired = onExpired
        wheel = TimingWheel(now: clock())
        timer = TimerWatcher(reactor: reactor) { [unowned self] in fire() }
    }

    public var count: Int { wheel.count }

    /// Whether the libev timer is armed (false when nothing is scheduled).
    public var isArmed: Bool { timer.isActive }

    @discardableResult
    public func schedule(_ payload: Payload, at deadline: Int64) -> TimerHandle {
        let handle = wheel.schedule(payload, at: deadline)
        rearm()
        return handle
    }

    /// Cancels a timer; a stale handle is a no-op. The libev timer may then wake once for
    /// nothing, which costs less than recomputing the expiry on every cancel.
    @discardableResult
    public func cancel(_ handle: TimerHandle) -> Payload? {
        wheel.cancel(handle)
    }

    @discardableResult
    public func reschedule(_ handle: TimerHandle, at deadline: Int64) -> Bool {
        defer { rearm() }
        return wheel.reschedule(handle, at: deadline)
    }

    public func deadline(of handle: TimerHandle) -> Int64? {
        wheel.deadline(of: handle)
    }

    /// Re-arms the libev timer from the clock as it reads now: call it when the clock jumped or
    /// changed pace (a new estimate of the cluster's clock), since libev sleeps on its own.
    public func clockChanged() {
        timer.stop()
        armedFor = nil
        rearm()
    }

    private func fire() {
        armedFor = nil
        wheel.advance(to: clock(), into: &expired)
        let due = expired
        expired.removeAll(keepingCapacity: true)
        for timer in due {
            onExpired(timer)
        }
        rearm()
    }

    private func rearm() {
        guard let next = wheel.nextExpiry() else {
            timer.stop()
            armedFor = nil
            return
        }
        if let armedFor, armedFor <= next, timer.isActive { return }
        armedFor = next
        timer.start(after: Double(max(next - clock(), 0)) / 1000)
    }
}
