// ChildProcesses: the live children of a process, read from /proc/<pid>/stat — how a worker,
// a child subreaper, finds the processes its runs left behind and that were re-parented to it.
//
// /proc/<pid>/task/<tid>/children would say it at once, but needs CONFIG_PROC_CHILDREN, which
// not every kernel has; so this scans /proc: O(processes on the host), one open and read of
// about 300 bytes each. Zombies are left out (they are dead; only a wait4 removes them).
import Glibc

public enum ChildProcesses {
    /// The live (non-zombie) processes whose parent is `parent`.
    public static func live(of parent: pid_t) -> [pid_t] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var children: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = pid_t(name), let stat = stat(of: pid) else { continue }
            if stat.parent == parent && stat.state != UInt8(ascii: "Z") {
                children.append(pid)
            }
        }
        return children
    }

    /// State and parent pid from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold
    /// spaces and parentheses, so the fields are counted after the last ')'). nil when the
    /// process is gone or the file cannot be read.
    private static func stat(of pid: pid_t) -> (state: UInt8, parent: pid_t)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0, let end = buffer[..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(end + 1)..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let state = fields[0].first,
              let parent = pid_t(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return (state, parent)
    }
}
