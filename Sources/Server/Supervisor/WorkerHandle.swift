// WorkerHandle: the master's record of one worker process (nginx keeps one per child): its
// pid, its end of the socketpair, the runs it holds, and what it last said about itself.
//
// It owns the socket: frames out are buffered and written when the socket is writable;
// frames in are reassembled by a FrameDecoder and handed to the supervisor.
import EventLoop
import Glibc
import Logging
import Worker

final class WorkerHandle {
    enum State: String {
        case running
        case exited
    }

    let slot: Int
    let pid: pid_t
    let startedAt: Double
    private(set) var state = State.running
    /// Runs sent to this worker and not yet finished: run id → request.
    var inFlight: [Int64: WorkerMessage.RunRequest] = [:]
    /// The process group of each started run (a script leads its own group).
    var scriptGroups: [Int64: Int32] = [:]
    var stats = WorkerMessage.WorkerStats(rssKilobytes: 0, cpuMilliseconds: 0, running: 0)

    private let fd: Int32
    private var watcher: IOWatcher!
    private var decoder = FrameDecoder()
    private var outbound: [UInt8] = []
    private var sent = 0
    private let onMessage: (WorkerHandle, WorkerMessage) -> Void
    private let onBroken: (WorkerHandle, String) -> Void

    init(slot: Int, pid: pid_t, fd: Int32, reactor: Reactor,
         onMessage: @escaping (WorkerHandle, WorkerMessage) -> Void, onBroken: @escaping (WorkerHandle, String) -> Void) {
        self.slot = slot
        self.pid = pid
        self.fd = fd
        self.startedAt = reactor.monotonicNow
        self.onMessage = onMessage
        self.onBroken = onBroken
        watcher = IOWatcher(reactor: reactor, fd: fd, events: .read) { [unowned self] events in
            withExtendedLifetime(self) { handle(events) }
        }
        watcher.start()
    }

    deinit {
        watcher = nil
        Glibc.close(fd)
    }

    func send(_ message: WorkerMessage) {
        guard state == .running else { return }
        do {
            outbound.append(contentsOf: try message.frame().encoded())
        } catch {
            onBroken(self, "could not encode a message: \(error)")
            return
        }
        flush()
    }

    /// The process is gone: stop listening (the supervisor reaps and replaces it).
    func markExited() {
        state = .exited
        watcher.stop()
    }

    private func handle(_ events: IOEvents) {
        if events.contains(.write) { flush() }
        if events.contains(.read) { readAvailable() }
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let result: IOResult<Int>
        do {
            result = try buffer.withUnsafeMutableBytes { bytes in
                try systemCall("read") { Glibc.read(fd, bytes.baseAddress, bytes.count) }
            }
        } catch {
            onBroken(self, "\(error)")
            return
        }
        guard case .done(let count) = result else { return }
        if count == 0 {
            watcher.stop()
            onBroken(self, "the worker closed its socket")
            return
        }
        decoder.append(buffer[..<count])
        do {
            while let frame = try decoder.next() {
                onMessage(self, try WorkerMessage(frame: frame))
            }
        } catch {
            onBroken(self, "bad frame from worker: \(error)")
        }
    }

    private func flush() {
        while sent < outbound.count {
            let result: IOResult<Int>
            do {
                result = try outbound.withUnsafeBytes { bytes in
                    try systemCall("write") { Glibc.write(fd, bytes.baseAddress! + sent, bytes.count - sent) }
                }
            } catch {
                onBroken(self, "\(error)")
                return
            }
            guard case .done(let count) = result else {
                watcher.set(events: [.read, .write])
                return
            }
            sent += count
        }
        outbound.removeAll(keepingCapacity: true)
        sent = 0
        watcher.set(events: .read)
    }
}
