// WakeUp: makes a sleeping loop run a callback on its next iteration (libev's ev_async).
//
// `signal()` is async-signal-safe and coalesces: several signals before the loop wakes run the
// callback once.
import CEventLoop

public final class WakeUp {
    private let reactor: Reactor
    private let watcher: UnsafeMutablePointer<ev_async>
    private let callback: () -> Void

    public init(reactor: Reactor, callback: @escaping () -> Void) {
        self.reactor = reactor
        self.callback = callback
        watcher = .allocate(capacity: 1)
        dsched_ev_async_init(watcher, { _, w, _ in
            withWatcherOwner(w?.pointee.data) { (owner: WakeUp) in owner.callback() }
        })
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        ev_async_start(reactor.loop, watcher)
    }

    deinit {
        ev_async_stop(reactor.loop, watcher)
        watcher.deallocate()
    }

    public func signal() {
        ev_async_send(reactor.loop, watcher)
    }
}
