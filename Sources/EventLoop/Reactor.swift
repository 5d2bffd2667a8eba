// Reactor: the node's one event loop, a thin owner of libev's default loop.
//
// The API is deliberately small (in the spirit of Redis's `ae`): watch an fd (IOWatcher), arm a
// timer (TimerWatcher), catch a signal (SignalWatcher), reap a child (ChildWatcher), run, stop.
// It knows nothing of HTTP, jobs or databases. Everything runs on the thread that calls `run()`;
// there are no other threads.
import CEventLoop
import Glibc

public enum ReactorError: Error, CustomStringConvertible {
    case noEventLoop

    public var description: String { "libev could not create its default event loop" }
}

public final class Reactor {
    /// The libev loop: the default one (which reaps children for ChildWatcher), or a loop of
    /// its own.
    public let loop: OpaquePointer
    private let ownsLoop: Bool

    /// Creates the reactor, preferring epoll. SIGPIPE is ignored so that a write to a closed
    /// socket is an EPIPE error, not the death of the process.
    ///
    /// `isolated: false` (the master) uses libev's default loop, the only one whose SIGCHLD
    /// handling drives ChildWatcher. `isolated: true` (a worker) gets a loop of its own, which
    /// leaves SIGCHLD alone, so the worker can reap its scripts itself with wait4 and keep
    /// their resource usage (libev's reaping would discard it).
    public init(isolated: Bool = false) throws {
        signal(SIGPIPE, SIG_IGN)
        let epoll = UInt32(EVBACKEND_EPOLL)
        let made = isolated ? (ev_loop_new(epoll) ?? ev_loop_new(0)) : (dsched_ev_default_loop(epoll) ?? dsched_ev_default_loop(0))
        guard let made else { throw ReactorError.noEventLoop }
        loop = made
        ownsLoop = isolated
    }

    deinit {
        if ownsLoop { ev_loop_destroy(loop) }
    }

    /// Runs until `stop()` is called or no watcher is active.
    public func run() {
        ev_run(loop, 0)
    }

    /// Makes `run()` return after the current iteration's callbacks.
    public func stop() {
        ev_break(loop, Int32(EVBREAK_ALL))
    }

    /// The loop's cached wall-clock time in seconds (Unix epoch), updated once per iteration:
    /// cheap to read. For instants people see (job ticks, Date headers), not for timeouts.
    public var now: Double { ev_now(loop) }

    /// Seconds on the monotonic clock: for timeouts and intervals, which a step of the wall
    /// clock (NTP, an operator) must not shorten or stretch. Read fresh on each call.
    public var monotonicNow: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Seconds on the wall clock (Unix epoch), read fresh on each call, unlike `now`: for
    /// comparing this host's clock with another one's at a precise instant.
    public var wallNow: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// `now` in whole milliseconds since the Unix epoch.
    public var nowMilliseconds: Int64 { Int64((ev_now(loop) * 1000).rounded(.down)) }

    /// Refreshes the cached time after a long computation inside a callback.
    public func updateNow() {
        ev_now_update(loop)
    }
}

/// Calls `body` on the Swift owner stored in a watcher's `data` field, keeping the owner alive
/// for the whole call even if the callback drops the last other reference to it.
@inline(__always)
func withWatcherOwner<Owner: AnyObject>(_ data: UnsafeMutableRawPointer?, _ body: (Owner) -> Void) {
    guard let data else { return }
    let owner = Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
    withExtendedLifetime(owner) { body(owner) }
}
