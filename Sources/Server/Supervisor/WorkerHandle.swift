// WorkerHandle: the master's hold on one live worker process — its end of the socketpair (a
// WorkerChannel, the same type the worker holds at the other end), the runs it holds, when it
// was last heard from, and what it last said about itself. Dropped when the process is reaped, which closes the socket.
import EventLoop
import Worker

final class WorkerHandle {
    /// Runs sent to this worker and not yet finished: run id → request.
    var inFlight: [Int64: WorkerMessage.RunRequest] = [:]
    /// The process group of each started run (a script leads its own group).
    var scriptGroups: [Int64: Int32] = [:]
    var stats = WorkerMessage.WorkerStats(rssKilobytes: 0, cpuMilliseconds: 0, running: 0)
    /// When the worker was last heard from (any frame), against `--worker-timeout`.
    var liveness: ChannelLiveness
    /// Killed for its silence: not killed (nor logged) again while its exit is reaped.
    var killedAsSilent = false
    private let channel: WorkerChannel

    /// Takes ownership of `fd` (nonblocking). The callbacks come from the loop.
    init(fd: Int32, reactor: Reactor, liveness: ChannelLiveness, onMessage: @escaping (WorkerMessage) -> Void,
         onEnd: @escaping (WorkerChannelError) -> Void) {
        self.liveness = liveness
        channel = WorkerChannel(fd: fd, reactor: reactor, onMessage: onMessage, onEnd: onEnd)
    }

    func send(_ message: WorkerMessage) {
        channel.send(message)
    }
}
