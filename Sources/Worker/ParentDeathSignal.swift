// ParentDeathSignal: asks the kernel to signal this process when its parent dies
// (prctl(PR_SET_PDEATHSIG)), so that a worker never outlives its master.
//
// Swift cannot call prctl: it is variadic, and <sys/prctl.h> is not in Glibc's module. It is
// looked up with dlsym and called through a fixed five-argument C type, which the variadic
// definition accepts on Linux's x86_64 and arm64 calling conventions.
import Glibc

public enum ParentDeathSignalError: Error, Equatable, CustomStringConvertible {
    case unavailable
    case failed(errno: Int32)

    public var description: String {
        switch self {
        case .unavailable: return "prctl is not available in this C library"
        case .failed(let code): return "prctl(PR_SET_PDEATHSIG): \(String(cString: strerror(code)))"
        }
    }
}

enum ParentDeathSignal {
    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    /// From <linux/prctl.h>.
    private static let setDeathSignal: Int32 = 1

    /// Arms `signal` for when the parent exits; from then on a change of getppid() means the
    /// parent is gone (the signal is on its way).
    static func arm(_ signal: Int32) throws(ParentDeathSignalError) {
        // A nil handle is RTLD_DEFAULT: the symbol as the program's own libraries resolve it.
        guard let symbol = dlsym(nil, "prctl") else { throw .unavailable }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        guard prctl(setDeathSignal, UInt(signal), 0, 0, 0) == 0 else { throw .failed(errno: errno) }
    }
}
