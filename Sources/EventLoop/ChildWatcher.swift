// ChildWatcher: the exit of one child process, reaped by libev's SIGCHLD handling.
// Only on a reactor of the default loop (`Reactor(isolated: false)`).
import CEventLoop

public final class ChildWatcher {
    private let reactor: Reactor
    private let watcher: UnsafeMutablePointer<ev_child>
    private let callback: (_ pid: Int32, _ status: Int32) -> Void

    /// Watches `pid` (0 = any child) until it exits; the callback gets the raw wait status.
    public init(reactor: Reactor, pid: Int32, callback: @escaping (_ pid: Int32, _ status: Int32) -> Void) {
        self.reactor = reactor
        self.callback = callback
        watcher = .allocate(capacity: 1)
        dsched_ev_child_init(watcher, { _, w, _ in
            withWatcherOwner(w?.pointee.data) { (owner: ChildWatcher) in
                owner.callback(owner.watcher.pointee.rpid, owner.watcher.pointee.rstatus)
            }
        }, pid, 0)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        ev_child_start(reactor.loop, watcher)
    }

    deinit {
        ev_child_stop(reactor.loop, watcher)
        watcher.deallocate()
    }
}
