// SystemCall: the one wrapper for raw system calls.
//
// Retries EINTR, maps EAGAIN/EWOULDBLOCK to `.wouldBlock`, traps on EBADF (a bug: an fd was
// used after close), and throws a SystemError carrying errno and the call's name otherwise.
import Glibc

public struct SystemError: Error, CustomStringConvertible, Equatable {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}

public enum IOResult<Value> {
    case done(Value)
    case wouldBlock
}

@inline(__always)
public func systemCall<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .done(result) }
        let code = errno
        switch code {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        case EBADF:
            preconditionFailure("\(name): bad file descriptor")
        default:
            throw SystemError(call: "\(name)", errno: code)
        }
    }
}

/// A system call that must not block: `.wouldBlock` is an error too.
@discardableResult
public func systemCallOrThrow<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws -> T {
    switch try systemCall(name, body) {
    case .done(let value): return value
    case .wouldBlock: throw SystemError(call: "\(name)", errno: EAGAIN)
    }
}
