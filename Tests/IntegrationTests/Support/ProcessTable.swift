// ProcessTable: what /proc says about processes a test started indirectly (a script's
// children), for checking that they are gone. A zombie counts as gone: it has been killed and
// waits only for its new parent to reap it, which a container's init may never do.
import Foundation

enum ProcessTable {
    /// Whether `pid` is a live (non-zombie) process.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let fields = statFields(pid) else { return false }
        return fields.state != "Z"
    }

    /// The live (non-zombie) processes of process group `pgid`.
    static func liveMembers(ofGroup pgid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let fields = statFields(pid) else { return false }
            return fields.group == pgid && fields.state != "Z"
        }
    }

    /// The live (non-zombie) processes whose command line (its arguments joined by spaces)
    /// contains `marker`.
    static func liveProcesses(commandLineContaining marker: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let fields = statFields(pid), fields.state != "Z",
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self).contains(marker)
        }
    }

    /// Polls until `condition` holds or `timeout` passes; whether it held.
    static func eventually(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// State and process group from /proc/<pid>/stat ("pid (comm) state ppid pgrp ..."; comm
    /// may hold spaces and parentheses, so fields are counted after the last ')').
    private static func statFields(_ pid: pid_t) -> (state: String, group: pid_t)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 2, let group = pid_t(fields[2]) else { return nil }
        return (String(fields[0]), group)
    }
}
