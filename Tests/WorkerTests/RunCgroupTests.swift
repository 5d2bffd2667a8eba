// Per-run cgroups, the pure parts: where a worker's and a run's cgroups go, the wrapper that
// moves the script in before it runs, and which limits go to cgroup files (max_memory, when the
// memory controller is enabled for the runs) and which stay rlimits only (max_cpu, always).
import XCTest
@testable import Worker

final class RunCgroupTests: XCTestCase {
    func testAWorkersDirectoryIsItsPidUnderTheRootWithoutADoubleSlash() {
        XCTAssertEqual(WorkerCgroup.path(root: "/sys/fs/cgroup/dsched", workerPID: 1234), "/sys/fs/cgroup/dsched/1234")
        XCTAssertEqual(WorkerCgroup.path(root: "/sys/fs/cgroup/dsched//", workerPID: 1234), "/sys/fs/cgroup/dsched/1234")
    }

    func testARunsCgroupIsNamedAfterItsRunUnderItsWorkersDirectory() {
        XCTAssertEqual(RunCgroup(parent: "/sys/fs/cgroup/dsched/1234", runID: 42).path, "/sys/fs/cgroup/dsched/1234/run-42")
    }

    func testTheWrapperEntersTheCgroupThenExecsTheWholeCommand() {
        let cgroup = RunCgroup(parent: "/cg/7", runID: 9)
        let command = (path: RunLimits.prlimit, arguments: [RunLimits.prlimit, "--cpu=1:2", "--", "/bin/sh", "-c", "echo hi"])
        let wrapped = cgroup.wrapping(command)
        XCTAssertEqual(wrapped.path, "/bin/sh")
        XCTAssertEqual(Array(wrapped.arguments.prefix(2)), ["/bin/sh", "-c"])
        XCTAssertTrue(wrapped.arguments[2].hasPrefix(#"echo $$ > "$0/cgroup.procs" || "#), wrapped.arguments[2])
        XCTAssertTrue(wrapped.arguments[2].hasSuffix(#"exec "$@""#), wrapped.arguments[2])
        XCTAssertEqual(Array(wrapped.arguments.dropFirst(3)), ["/cg/7/run-9"] + command.arguments)
    }

    func testMaxMemoryGoesToMemoryMaxWithoutSwapOnlyWhenTheMemoryControllerIsEnabled() {
        let limits = RunLimits(maxMemoryBytes: 67_108_864, maxCPUSeconds: 3)
        XCTAssertEqual(RunCgroup.limitFiles(limits, controllers: ["cpu", "memory", "pids"]),
                       ["memory.max": "67108864", "memory.swap.max": "0"])
        XCTAssertEqual(RunCgroup.limitFiles(limits, controllers: []), [:])
        XCTAssertEqual(RunCgroup.limitFiles(limits, controllers: ["cpu", "io"]), [:])
    }

    func testMaxCPUNeverGoesToACgroupFile() {
        let cpuOnly = RunLimits(maxMemoryBytes: nil, maxCPUSeconds: 3)
        XCTAssertEqual(RunCgroup.limitFiles(cpuOnly, controllers: ["cpu", "memory"]), [:])
        // ... and stays an rlimit, as without cgroups.
        XCTAssertEqual(cpuOnly.wrapping((path: "/bin/sh", arguments: ["/bin/sh"])).arguments,
                       [RunLimits.prlimit, "--cpu=3:4", "--", "/bin/sh"])
    }
}
