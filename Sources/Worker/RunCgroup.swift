// RunCgroup: the cgroup v2 directory of one run, <worker's cgroup>/run-<run id>, made before the
// script starts and killed and removed when the run ends (WorkerCgroup).
//
// How the script gets into it before any user code runs: the spawned program is a small shell,
// `/bin/sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' <run cgroup> <command>`, which moves
// itself in and then execs the command (prlimit, setpriv, the script's shell) in its place: same
// pid and process group, and everything the command starts is born in the cgroup. The shell
// runs as the worker's user, so the move is done with the worker's rights before setpriv drops
// them. (glibc's posix_spawn has no way to ask for clone3's CLONE_INTO_CGROUP; a fork-and-write
// in Swift is what DESIGN.md forbids. The wrapper costs one exec.) If the move fails, the
// wrapper says so on the run's output and exits 125 without running the script.
//
// Limits: max_cpu stays an rlimit (RunLimits): cgroups limit a CPU rate (cpu.max), not CPU
// seconds. max_memory stays an rlimit too, and also becomes memory.max (with memory.swap.max 0
// where the kernel has it) when the memory controller is enabled for the run cgroups, i.e. in
// the worker cgroup's cgroup.subtree_control: then it bounds the run's resident memory as a
// whole, every process of the run together.
import Glibc

public struct RunCgroup: Equatable, Sendable {
    /// The run's cgroup directory.
    public let path: String

    public init(parent: String, runID: Int64) {
        path = parent + "/run-\(runID)"
    }

    /// The interface files to write in a run cgroup, and their contents, for `limits`, when the
    /// parent enables `controllers` for its children (cgroup.subtree_control). memory.swap.max
    /// is written only where it exists (not every kernel accounts swap).
    public static func limitFiles(_ limits: RunLimits, controllers: Set<String>) -> [String: String] {
        guard controllers.contains("memory"), let bytes = limits.maxMemoryBytes else { return [:] }
        return ["memory.max": String(bytes), "memory.swap.max": "0"]
    }

    /// The program and arguments that move themselves into this cgroup, then exec `command`.
    func wrapping(_ command: (path: String, arguments: [String])) -> (path: String, arguments: [String]) {
        let enter = #"echo $$ > "$0/cgroup.procs" || { echo "dsched: could not enter the run's cgroup $0" >&2; exit 125; }; exec "$@""#
        return ("/bin/sh", ["/bin/sh", "-c", enter, path] + command.arguments)
    }

    /// Makes the directory and writes the limits (`controllers`: what the parent enables).
    func create(_ limits: RunLimits, controllers: Set<String>) throws(CgroupError) {
        guard mkdir(path, 0o755) == 0 else { throw .create(path: path, errno: errno) }
        do {
            for (file, value) in Self.limitFiles(limits, controllers: controllers).sorted(by: { $0.key < $1.key }) {
                let filePath = path + "/" + file
                if file == "memory.swap.max" && access(filePath, F_OK) != 0 { continue }
                try Cgroup.write(value, to: filePath)
            }
        } catch {
            _ = Cgroup.remove(path)
            throw error
        }
    }

    /// SIGKILL to every process of the run (Cgroup.killAll).
    func killAll() {
        Cgroup.killAll(path)
    }
}
