// Cgroup: the cgroup v2 file operations dsched needs — the check of a `--cgroup` directory, and
// reading, writing, killing and removing cgroups (Linux's Documentation/admin-guide/cgroup-v2.rst).
//
// A cgroup v2 directory holds the interface files cgroup.procs (its processes' pids, one a
// line; writing a pid moves that process in), cgroup.kill (kernel >= 5.14: writing "1" sends
// SIGKILL to every process in it and below), cgroup.subtree_control (the controllers its
// children get). rmdir removes a cgroup once no live process is in it (EBUSY before: an exited
// but not yet reaped process no longer counts).
import CEventLoop
import Glibc

public enum CgroupError: Error, Equatable, CustomStringConvertible {
    /// The path is not a cgroup v2 directory: no cgroup.procs in it, or statfs says another
    /// file system (CGROUP2_SUPER_MAGIC expected).
    case notCgroup2(path: String)
    /// The directory cannot be written by this process (errno of access(2)).
    case notWritable(path: String, errno: Int32)
    /// mkdir of a cgroup failed.
    case create(path: String, errno: Int32)
    /// Writing an interface file failed (`file` under the cgroup).
    case write(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .notCgroup2(let path): return "\(path) is not a cgroup v2 directory (no cgroup.procs, or not on a cgroup2 file system)"
        case .notWritable(let path, let code): return "\(path) is not writable: \(String(cString: strerror(code)))"
        case .create(let path, let code): return "could not create the cgroup \(path): \(String(cString: strerror(code)))"
        case .write(let path, let code): return "could not write \(path): \(String(cString: strerror(code)))"
        }
    }
}

public enum Cgroup {
    /// Checks that `path` is a cgroup v2 directory this process may write (what `--cgroup` needs).
    public static func check(_ path: String) throws(CgroupError) {
        guard access(path + "/cgroup.procs", F_OK) == 0, dsched_is_cgroup2(path) == 1 else { throw .notCgroup2(path: path) }
        guard access(path, W_OK) == 0, access(path + "/cgroup.procs", W_OK) == 0 else {
            throw .notWritable(path: path, errno: errno)
        }
    }

    /// The controllers named in `file` (cgroup.controllers, cgroup.subtree_control: words
    /// separated by spaces); empty when it cannot be read.
    static func controllers(in file: String) -> Set<String> {
        guard let text = read(file) else { return [] }
        return Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// The whole of a (small) interface file; nil when it cannot be read.
    static func read(_ file: String) -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to an interface file in one write(2), as the kernel wants it.
    static func write(_ text: String, to file: String) throws(CgroupError) {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .write(path: file, errno: errno) }
        defer { close(fd) }
        let written = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw .write(path: file, errno: errno) }
    }

    /// SIGKILL to every process in the cgroup `path` and below: "1" to cgroup.kill, or on a
    /// kernel without it (before 5.14) to each pid of cgroup.procs, pass after pass until none
    /// is listed (a process forking meanwhile adds pids), 10 passes at most.
    static func killAll(_ path: String) {
        if (try? write("1", to: path + "/cgroup.kill")) != nil { return }
        for _ in 0..<10 {
            let pids = (read(path + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { pid_t($0) }
            guard !pids.isEmpty else { return }
            pids.forEach { kill($0, SIGKILL) }
        }
    }

    /// rmdir of the cgroup `path`: true once it is gone (also when it already was); false while
    /// processes are still in it (EBUSY) or on another error (errno says which).
    static func remove(_ path: String) -> Bool {
        rmdir(path) == 0 || errno == ENOENT
    }
}
