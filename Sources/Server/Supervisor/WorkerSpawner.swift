// WorkerSpawner: starts one `dsched worker` process, the way DESIGN.md asks: `posix_spawn` of
// this same executable (never a bare fork of a Swift process), with its end of a fresh
// socketpair as fd 3 and the master's environment less its secrets. The worker inherits fds
// 0-3 and nothing else: every fd the master opens is close-on-exec, and the spawn closes
// everything from 4 up besides, so that a descriptor some library opened without the flag
// (hiredis 0.14's sockets) can never reach a worker or its scripts.
import CEventLoop
import Glibc

enum WorkerSpawnError: Error, CustomStringConvertible {
    case socketpair(errno: Int32)
    case spawn(errno: Int32)

    var description: String {
        switch self {
        case .socketpair(let code): return "socketpair failed: \(String(cString: strerror(code)))"
        case .spawn(let code): return "posix_spawn failed: \(String(cString: strerror(code)))"
        }
    }
}

struct WorkerSpawner {
    /// Variables never passed to workers: scripts run with the worker's environment, and a
    /// job's author must not read the database password or the API token from it.
    static let secretVariables = ["PGPASSWORD", "DSCHED_API_TOKEN"]

    private let executable: String
    private let arguments: [String]
    /// The master's environment less its secrets, as posix_spawn wants it (nil-terminated).
    /// The strings are the master's own `environ` entries, which live as long as the process.
    private let environment: [UnsafeMutablePointer<CChar>?]

    init(configuration: Supervisor.Configuration) {
        executable = configuration.executable ?? Self.currentExecutable() ?? CommandLine.arguments[0]
        arguments = [executable, "worker", "--fd", "3", "--max-concurrent", String(configuration.maxConcurrentPerWorker),
                     "--grace", String(configuration.graceSeconds), "--fence", String(configuration.fenceSeconds), "--log-level", configuration.logLevel]
            + (configuration.runAs.map { ["--run-as", $0] } ?? [])
            + (configuration.allowedUsers.isEmpty ? [] : ["--allowed-users", configuration.allowedUsers.joined(separator: ",")])
            + (configuration.cgroup.map { ["--cgroup", $0] } ?? [])
        var variables: [UnsafeMutablePointer<CChar>?] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !Self.secretVariables.contains(where: { text.hasPrefix($0 + "=") }) {
                variables.append(entry)
            }
            cursor += 1
        }
        environment = variables + [nil]
    }

    /// Starts a worker; returns its pid and the master's end of the channel (nonblocking,
    /// close-on-exec), which the caller owns.
    func spawn() -> Result<(pid: pid_t, fd: Int32), WorkerSpawnError> {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return .failure(.socketpair(errno: errno))
        }
        var (master, child) = (pair[0], pair[1])
        if child == 3 {
            // dup2(3, 3) would keep close-on-exec: move the child's end out of the way first.
            let moved = fcntl(child, F_DUPFD_CLOEXEC, 10)
            close(child)
            child = moved
        }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 3 clears close-on-exec for the child's copy; the originals stay private.
        posix_spawn_file_actions_adddup2(&actions, child, 3)
        dsched_spawn_file_actions_addclosefrom(&actions, 4)
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = environment.withUnsafeBufferPointer { environment in
            posix_spawn(&pid, executable, &actions, nil, cArguments, UnsafeMutablePointer(mutating: environment.baseAddress))
        }
        close(child)
        guard status == 0 else {
            close(master)
            return .failure(.spawn(errno: status))
        }
        return .success((pid, master))
    }

    /// This executable's path (readlink of /proc/self/exe), to spawn workers from.
    private static func currentExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
