// RunLimits: a job's `max_memory` and `max_cpu`, applied to each of its runs as rlimits, and
// the line that says so in the output of a run the CPU limit ended.
//
// The script is started through util-linux's prlimit(1) — `prlimit --as=B --cpu=S:S+1 --
// <command>` — which sets the limits on itself and execs the command, so the shell and
// everything it starts inherit them (rlimits count per process, not per run). It wraps the
// command line whole, so it composes with setpriv (RunAsUser): prlimit runs first, as the
// worker's user, then setpriv drops to the run's user under the limits it cannot raise.
//
// RLIMIT_AS bounds the address space (virtual memory: mappings, not resident pages) of each
// process: past it, mmap and brk fail, and the script sees allocation failures. RLIMIT_CPU
// bounds each process's CPU time (user + system): at the soft limit the kernel sends SIGXCPU,
// and SIGKILL at the hard one, set a second later for a process that catches SIGXCPU.
// With `--cgroup`, max_memory also goes to the run's cgroup where it can (RunCgroup); max_cpu
// stays an rlimit everywhere.
import Glibc

public struct RunLimits: Equatable, Sendable {
    /// prlimit's path (util-linux, essential on Debian).
    public static let prlimit = "/usr/bin/prlimit"

    /// Bytes of address space per process (RLIMIT_AS); nil: no limit.
    public var maxMemoryBytes: Int64?
    /// CPU seconds per process (RLIMIT_CPU soft limit; the hard one is a second more); nil: no limit.
    public var maxCPUSeconds: Int64?

    public init(maxMemoryBytes: Int64?, maxCPUSeconds: Int64?) {
        self.maxMemoryBytes = maxMemoryBytes
        self.maxCPUSeconds = maxCPUSeconds
    }

    init(_ request: WorkerMessage.RunRequest) {
        self.init(maxMemoryBytes: request.maxMemoryBytes, maxCPUSeconds: request.maxCPUSeconds)
    }

    /// The program and arguments that run `command` (a whole argv, path first) under these
    /// limits; `command` itself when there are none.
    func wrapping(_ command: (path: String, arguments: [String])) -> (path: String, arguments: [String]) {
        var options: [String] = []
        if let bytes = maxMemoryBytes {
            options.append("--as=\(bytes)")
        }
        if let seconds = maxCPUSeconds {
            options.append("--cpu=\(seconds):\(seconds + 1)")
        }
        guard !options.isEmpty else { return command }
        return (Self.prlimit, [Self.prlimit] + options + ["--"] + command.arguments)
    }

    /// The line that leads the output of a run that its CPU limit ended (the shell died of
    /// SIGXCPU, or of SIGKILL once past the hard limit, `cpuMilliseconds` of user + system
    /// time); nil for any other end. A command of the script that the limit ended while the
    /// shell lived on shows as its exit status (128 + SIGXCPU = 152), not here.
    func exceededLine(signal: Int32?, cpuMilliseconds: Int64) -> String? {
        guard let seconds = maxCPUSeconds, let signal else { return nil }
        guard signal == SIGXCPU || (signal == SIGKILL && cpuMilliseconds >= seconds * 1000) else { return nil }
        return "dsched: the run exceeded max_cpu (\(seconds) s of CPU time): ended by \(signal == SIGXCPU ? "SIGXCPU" : "SIGKILL")\n"
    }
}
