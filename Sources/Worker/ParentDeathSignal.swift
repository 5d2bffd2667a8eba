// ParentDeathSignal: asks the kernel to signal this process when its parent dies
// (prctl(PR_SET_PDEATHSIG), through the C glue), so that a worker never outlives its master.
import CEventLoop
import Glibc

public enum ParentDeathSignalError: Error, Equatable, CustomStringConvertible {
    case failed(errno: Int32)

    public var description: String {
        switch self {
        case .failed(let code): return "prctl(PR_SET_PDEATHSIG): \(String(cString: strerror(code)))"
        }
    }
}

enum ParentDeathSignal {
    /// Arms `signal` for when the parent exits; from then on a change of getppid() means the
    /// parent is gone (the signal is on its way).
    static func arm(_ signal: Int32) throws(ParentDeathSignalError) {
        guard dsched_set_parent_death_signal(signal) == 0 else { throw .failed(errno: errno) }
    }
}
