// Subprocess: child processes for tests, with posix_spawn and waitpid.
//
// Foundation's Process can hang in waitUntilExit when its SIGCHLD handling races with other
// children (seen with `pg_ctl start`), so the tests spawn and reap children themselves.
import Foundation

final class Subprocess {
    let pid: pid_t
    /// The exit status once reaped: a pid can be waited for only once.
    private(set) var exitStatus: Int32?

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `executable` with stdout going to `outputPath` (or /dev/null) and stderr to
    /// `errorPath` (or the same place as stdout).
    /// `killWithParent` makes the child die with the test process (setpriv --pdeathsig), so a
    /// crashed or killed test run leaves no server behind.
    /// `inheritedFD`, if given, is the child's fd 3 (how a master hands a worker its socket).
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                      outputPath: String = "/dev/null", errorPath: String? = nil, killWithParent: Bool = false,
                      inheritedFD: Int32? = nil) throws -> Subprocess {
        let argv = killWithParent ? ["/usr/bin/setpriv", "--pdeathsig", "KILL", executable] + arguments : [executable] + arguments
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if let inheritedFD {
            posix_spawn_file_actions_adddup2(&actions, inheritedFD, 3)
        }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = env.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard status == 0 else { throw TestFailure("posix_spawn \(argv[0]) failed: \(status)") }
        return Subprocess(pid: pid)
    }

    /// Runs to completion; returns the exit status and what it printed on stdout and stderr.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let base = NSTemporaryDirectory() + "dsched-sub-\(UUID().uuidString)"
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        let child = try spawn(executable, arguments, environment: environment, outputPath: base + ".out", errorPath: base + ".err")
        let status = child.wait()
        let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return (status ?? -1, stdout, stderr)
    }

    /// Waits for exit; the exit code, or 128 + signal, or nil on timeout.
    @discardableResult
    func wait(timeout: TimeInterval = .infinity) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, timeout.isInfinite ? 0 : WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
                return exitStatus
            }
            if result < 0 && errno != EINTR { return nil }
            if Date() >= deadline { return nil }
            if result == 0 { usleep(10_000) }
        }
    }

    var isRunning: Bool { wait(timeout: 0) == nil }

    func signal(_ number: Int32) {
        Glibc.kill(pid, number)
    }

    /// SIGKILL and reap, unless it has exited already (what a test's helpers do at the end).
    func kill() {
        if isRunning {
            signal(SIGKILL)
            wait(timeout: 10)
        }
    }
}

/// Writes all of `bytes` to a socket (blocking), or throws.
func sendAll(_ bytes: [UInt8], to fd: Int32) throws {
    var sent = 0
    while sent < bytes.count {
        let count = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
        guard count > 0 else { throw TestFailure("send failed: errno \(errno)") }
        sent += count
    }
}
