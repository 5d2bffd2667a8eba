// SignalWatcher: a Unix signal delivered as a loop callback.
//
// libev's handler only records the signal and wakes the loop (the nginx habit: handlers set
// flags, the loop acts), so the callback may do anything.
import CEventLoop

public final class SignalWatcher {
    private let reactor: Reactor
    private let watcher: UnsafeMutablePointer<ev_signal>
    private let callback: (Int32) -> Void

    public init(reactor: Reactor, signal: Int32, callback: @escaping (Int32) -> Void) {
        self.reactor = reactor
        self.callback = callback
        watcher = .allocate(capacity: 1)
        dsched_ev_signal_init(watcher, { _, w, _ in
            withWatcherOwner(w?.pointee.data) { (owner: SignalWatcher) in
                owner.callback(owner.watcher.pointee.signum)
            }
        }, signal)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        ev_signal_start(reactor.loop, watcher)
    }

    deinit {
        ev_signal_stop(reactor.loop, watcher)
        watcher.deallocate()
    }
}
