// WorkerExit: how a worker process ended, read from its raw wait status (wait(2)).
import Worker

enum WorkerExit: Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case signalled(Int32)

    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signalled(signal)
    }

    /// The worker said a respawn cannot help (WorkerExitCode.fatal): the slot stays down.
    var isFatal: Bool { self == .exited(code: WorkerExitCode.fatal) }

    var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signalled(let signal): return "signal \(signal)"
        }
    }
}
