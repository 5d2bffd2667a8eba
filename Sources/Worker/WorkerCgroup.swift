// WorkerCgroup: a worker's own directory in the node's `--cgroup` subtree, <root>/<worker pid>,
// the parent of its runs' cgroups (RunCgroup): made at worker start, removed at its exit.
//
// One directory per worker keeps the workers of a node (and the nodes sharing a subtree) apart
// without coordination: a pid is unique on the host. It holds no process itself (cgroup v2's
// "no internal processes" rule), only run cgroups. When the subtree offers the memory
// controller (the root's cgroup.subtree_control names it), the worker enables it for its runs
// ("+memory" in its own cgroup.subtree_control) so that max_memory can become memory.max.
//
// A run's cgroup is killed and removed as the run ends (`retire`). rmdir fails (EBUSY) until
// the killed processes have exited, which is soon but not at once: a cgroup still busy is
// retried at each of the worker's sweeps (`retryRemovals`, every 100 ms while any is left),
// 50 times; the worker's exit (`removeAll`) takes whatever is left, its own directory last.
import Glibc
import Logging

public final class WorkerCgroup {
    /// The worker's directory.
    public let path: String
    /// The controllers run cgroups get (this directory's cgroup.subtree_control).
    let controllers: Set<String>
    private let logger: Logger
    /// Run cgroups killed but not yet removed, with the attempts left.
    private var pending: [(cgroup: RunCgroup, attemptsLeft: Int)] = []

    private static let removalAttempts = 50

    /// `<root>/<pid>` (without a trailing slash on `root`).
    public static func path(root: String, workerPID: pid_t) -> String {
        var root = Substring(root)
        while root.count > 1 && root.hasSuffix("/") { root = root.dropLast() }
        return "\(root)/\(workerPID)"
    }

    /// SIGKILL to every process in the cgroup subtree of the worker `workerPID` under `root`
    /// (cgroup.kill covers the descendants): what the master does when that worker died
    /// without killing its runs itself. The directories stay: a worker with the same pid reuses them.
    public static func killAll(root: String, workerPID: pid_t) {
        Cgroup.killAll(path(root: root, workerPID: workerPID))
    }

    /// Makes the worker's directory under `root` (reusing one a killed worker with the same pid
    /// left) and enables the memory controller in it when `root` passes it on.
    public init(root: String, logger: Logger) throws(CgroupError) {
        path = Self.path(root: root, workerPID: getpid())
        self.logger = logger
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .create(path: path, errno: errno) }
        if Cgroup.controllers(in: root + "/cgroup.subtree_control").contains("memory") {
            do {
                try Cgroup.write("+memory", to: path + "/cgroup.subtree_control")
            } catch {
                logger.warning("memory controller not enabled for runs: max_memory stays an rlimit only",
                               metadata: ["error": "\(error)"])
            }
        }
        controllers = Cgroup.controllers(in: path + "/cgroup.subtree_control")
    }

    /// Makes the cgroup of a run, with its limits.
    func makeRun(_ request: WorkerMessage.RunRequest) throws(CgroupError) -> RunCgroup {
        let cgroup = RunCgroup(parent: path, runID: request.runID)
        try cgroup.create(RunLimits(request), controllers: controllers)
        return cgroup
    }

    /// The run ended: kills what is left in its cgroup and removes it, now or at a later sweep.
    func retire(_ cgroup: RunCgroup) {
        cgroup.killAll()
        if !Cgroup.remove(cgroup.path) {
            pending.append((cgroup, Self.removalAttempts))
        }
    }

    /// Tries the removals still pending again; true while some are left (to be retried).
    func retryRemovals() -> Bool {
        pending = pending.compactMap { entry in
            entry.cgroup.killAll()
            if Cgroup.remove(entry.cgroup.path) { return nil }
            guard entry.attemptsLeft > 1 else {
                logger.error("a run's cgroup could not be removed", metadata: ["cgroup": "\(entry.cgroup.path)", "errno": "\(errno)"])
                return nil
            }
            return (entry.cgroup, entry.attemptsLeft - 1)
        }
        return !pending.isEmpty
    }

    /// At the worker's exit: kills and removes every run cgroup left (waiting up to about 1 s
    /// for their processes to exit), then the worker's own directory.
    func removeAll() {
        var left = runDirectories()
        for _ in 0..<100 where !left.isEmpty {
            left = left.filter { directory in
                Cgroup.killAll(directory)
                return !Cgroup.remove(directory)
            }
            if !left.isEmpty { usleep(10_000) }
        }
        pending = []
        if !Cgroup.remove(path) {
            logger.error("the worker's cgroup could not be removed", metadata: ["cgroup": "\(path)", "errno": "\(errno)"])
        }
    }

    /// The run cgroups in the worker's directory (run-*).
    private func runDirectories() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("run-") { found.append(path + "/" + name) }
        }
        return found
    }
}
