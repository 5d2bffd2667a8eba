// ProcessSecrets: what the master and the workers do at start so that a job's script, running
// as the same user, cannot read the node's secrets through /proc (issue 11, row 4).
//
// - Non-dumpable (prctl(PR_SET_DUMPABLE, 0)): /proc/<pid>/environ, mem, fd, ... belong to root
//   and ptrace by the same user is refused (proc(5), ptrace(2) "ptrace access mode checking").
//   An execve resets the flag, so each process sets it itself; scripts are not affected.
// - Secrets dropped from the environment once read: /proc/<pid>/environ shows the bytes the
//   process started with, not `environ`, so each entry is overwritten in place before unsetenv.
import CEventLoop
import Glibc

public enum ProcessSecretsError: Error, Equatable, CustomStringConvertible {
    case notDumpableFailed(errno: Int32)

    public var description: String {
        switch self {
        case .notDumpableFailed(let code): return "prctl(PR_SET_DUMPABLE, 0): \(String(cString: strerror(code)))"
        }
    }
}

public enum ProcessSecrets {
    /// The environment variables that hold secrets (also never passed to workers).
    public static var variables: [String] { WorkerSpawner.secretVariables }

    /// Makes this process non-dumpable. Throws when the kernel refuses (it does not on Linux).
    public static func makeNotDumpable() throws(ProcessSecretsError) {
        guard dsched_set_dumpable(0) == 0 else { throw .notDumpableFailed(errno: errno) }
    }

    /// Removes each of `variables` from the environment, then overwrites its entries (every
    /// "NAME=value", where they lie) with zero bytes. Call once the configuration holds their
    /// values, before any thread or child is started.
    public static func dropFromEnvironment(_ names: [String] = variables) {
        for name in names {
            let prefix = Array((name + "=").utf8)
            var entries: [UnsafeMutablePointer<CChar>] = []
            var cursor = environ
            while let entry = cursor.pointee {
                if strncmp(entry, name + "=", prefix.count) == 0 { entries.append(entry) }
                cursor += 1
            }
            unsetenv(name)
            // glibc never frees environment strings, so the entries are still ours to clear.
            for entry in entries {
                memset(entry, 0, strlen(entry))
            }
        }
    }
}
