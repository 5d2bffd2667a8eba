// ManualTimers: the firing layer's timers on a plain TimingWheel that a test advances by hand
// (no reactor): `advance(to:)` returns what expired, in deadline order.
@testable import Server

final class ManualTimers: TickTimers {
    private var wheel: TimingWheel<FiringTimer>

    init(now: Int64) {
        wheel = TimingWheel(now: now)
    }

    var count: Int { wheel.count }

    func schedule(_ payload: FiringTimer, at deadline: Int64) -> TimerHandle {
        wheel.schedule(payload, at: deadline)
    }

    func cancel(_ handle: TimerHandle) -> FiringTimer? {
        wheel.cancel(handle)
    }

    func advance(to time: Int64) -> [(timer: FiringTimer, at: Int64)] {
        var expired: [TimingWheel<FiringTimer>.Expired] = []
        wheel.advance(to: time, into: &expired)
        return expired.map { ($0.payload, $0.deadline) }
    }
}
