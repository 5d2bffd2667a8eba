// Socket: the few socket operations the node needs, on raw fds.
//
// Listening sockets are nonblocking and close-on-exec (workers must not inherit them).
import EventLoop
import Glibc

public enum Socket {
    /// Binds and listens on an IPv4 or IPv6 address; port 0 picks a free one.
    public static func listen(host: String, port: Int, backlog: Int32) throws -> Int32 {
        var address = try SocketAddress(host: host, port: port)
        let fd = try systemCallOrThrow("socket") {
            Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            var one: Int32 = 1
            try systemCallOrThrow("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            try systemCallOrThrow("bind") { address.withSockaddr { Glibc.bind(fd, $0, $1) } }
            try systemCallOrThrow("listen") { Glibc.listen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// The port a socket is bound to (after binding port 0).
    public static func localPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SystemError(call: "getsockname", errno: errno) }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Disables Nagle's algorithm: responses are written whole, and latency matters.
    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Whether a host string names a loopback address (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        return host.hasPrefix("127.") && (try? SocketAddress(host: host, port: 0)) != nil
    }
}

/// An IPv4 or IPv6 socket address parsed from a numeric host (or "localhost").
public struct SocketAddress {
    private var storage = sockaddr_storage()
    public let family: Int32

    public init(host: String, port: Int) throws {
        let numericHost = host == "localhost" ? "127.0.0.1" : host
        guard (0...65535).contains(port) else { throw SystemError(call: "port \(port)", errno: EINVAL) }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, numericHost, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = UInt16(port).bigEndian
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: &v4) { raw.copyMemory(from: $0) }
            }
        } else if inet_pton(AF_INET6, numericHost, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = UInt16(port).bigEndian
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: &v6) { raw.copyMemory(from: $0) }
            }
        } else {
            throw SystemError(call: "inet_pton(\(host))", errno: EINVAL)
        }
    }

    mutating func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
