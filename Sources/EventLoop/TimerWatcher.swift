// TimerWatcher: a one-shot or repeating timer on the reactor's monotonic clock.
//
// One owner holds it; deinit stops and frees the `ev_timer`. `start(after:every:)` re-arms
// from now, whatever the previous state.
import CEventLoop

public final class TimerWatcher {
    private let reactor: Reactor
    private let watcher: UnsafeMutablePointer<ev_timer>
    private let callback: () -> Void

    public init(reactor: Reactor, callback: @escaping () -> Void) {
        self.reactor = reactor
        self.callback = callback
        watcher = .allocate(capacity: 1)
        dsched_ev_timer_init(watcher, { _, w, _ in
            withWatcherOwner(w?.pointee.data) { (owner: TimerWatcher) in owner.callback() }
        }, 0, 0)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        ev_timer_stop(reactor.loop, watcher)
        watcher.deallocate()
    }

    public var isActive: Bool { dsched_ev_is_active(watcher) != 0 }

    /// Fires once after `seconds`, then every `period` seconds if `period` is positive.
    public func start(after seconds: Double, every period: Double = 0) {
        ev_timer_stop(reactor.loop, watcher)
        dsched_ev_timer_set(watcher, max(seconds, 0), max(period, 0))
        ev_timer_start(reactor.loop, watcher)
    }

    public func stop() {
        ev_timer_stop(reactor.loop, watcher)
    }
}
