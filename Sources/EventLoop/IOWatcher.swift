// IOWatcher: readiness of one file descriptor, owned by one Swift object.
//
// The watcher owns its `ev_io` allocation: it stops and frees it on deinit. Changing the events
// of an active watcher stops, resets and restarts it (libev's rule for ev_io_set).
import CEventLoop

public struct IOEvents: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let read = IOEvents(rawValue: Int32(EV_READ))
    public static let write = IOEvents(rawValue: Int32(EV_WRITE))
}

public final class IOWatcher {
    private let reactor: Reactor
    private let watcher: UnsafeMutablePointer<ev_io>
    private let callback: (IOEvents) -> Void
    public private(set) var events: IOEvents
    public private(set) var fd: Int32

    public init(reactor: Reactor, fd: Int32, events: IOEvents, callback: @escaping (IOEvents) -> Void) {
        self.reactor = reactor
        self.callback = callback
        self.events = events
        self.fd = fd
        watcher = .allocate(capacity: 1)
        dsched_ev_io_init(watcher, { _, w, revents in
            withWatcherOwner(w?.pointee.data) { (owner: IOWatcher) in
                owner.callback(IOEvents(rawValue: revents))
            }
        }, fd, events.rawValue)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        ev_io_stop(reactor.loop, watcher)
        watcher.deallocate()
    }

    public var isActive: Bool { dsched_ev_is_active(watcher) != 0 }

    public func start() {
        ev_io_start(reactor.loop, watcher)
    }

    public func stop() {
        ev_io_stop(reactor.loop, watcher)
    }

    /// Changes the watched events (and optionally the fd); the watcher keeps its active state.
    /// Setting no events stops it.
    public func set(events: IOEvents, fd: Int32? = nil) {
        let newFD = fd ?? self.fd
        if events == self.events && newFD == self.fd { return }
        let wasActive = isActive
        ev_io_stop(reactor.loop, watcher)
        self.events = events
        self.fd = newFD
        dsched_ev_io_set(watcher, newFD, events.rawValue)
        if wasActive && !events.isEmpty {
            ev_io_start(reactor.loop, watcher)
        }
    }
}
