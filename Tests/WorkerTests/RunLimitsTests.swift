// RunLimits: the command line that applies a job's `max_memory` and `max_cpu` (prlimit around
// the whole command, so it composes with setpriv), and the line that explains a run its CPU
// limit ended.
import Glibc
import XCTest
@testable import Worker

final class RunLimitsTests: XCTestCase {
    private let shell = (path: "/bin/sh", arguments: ["/bin/sh", "-c", "echo hi"])

    func testNoLimitsLeaveTheCommandAsItIs() {
        let wrapped = RunLimits(maxMemoryBytes: nil, maxCPUSeconds: nil).wrapping(shell)
        XCTAssertEqual(wrapped.path, "/bin/sh")
        XCTAssertEqual(wrapped.arguments, shell.arguments)
    }

    func testBothLimitsGoToPrlimitWithAHardCPULimitOneSecondAboveTheSoftOne() {
        let wrapped = RunLimits(maxMemoryBytes: 67_108_864, maxCPUSeconds: 3).wrapping(shell)
        XCTAssertEqual(wrapped.path, RunLimits.prlimit)
        XCTAssertEqual(wrapped.arguments, [RunLimits.prlimit, "--as=67108864", "--cpu=3:4", "--", "/bin/sh", "-c", "echo hi"])
        XCTAssertEqual(RunLimits(maxMemoryBytes: nil, maxCPUSeconds: 1).wrapping(shell).arguments,
                       [RunLimits.prlimit, "--cpu=1:2", "--", "/bin/sh", "-c", "echo hi"])
    }

    func testPrlimitWrapsSetprivSoThatBothApply() {
        let user = RunAsUser(name: "nobody", uid: 65534, gid: 65534, home: "/nonexistent")
        let wrapped = RunLimits(maxMemoryBytes: 1 << 30, maxCPUSeconds: nil).wrapping(user.wrapping(shell.arguments))
        XCTAssertEqual(wrapped.path, RunLimits.prlimit)
        XCTAssertEqual(wrapped.arguments, [RunLimits.prlimit, "--as=1073741824", "--", RunAsUser.setpriv, "--reuid=65534",
                                           "--regid=65534", "--init-groups", "--", "/bin/sh", "-c", "echo hi"])
    }

    func testSIGXCPUOrAKillPastTheLimitIsExplainedAndNothingElse() {
        let limits = RunLimits(maxMemoryBytes: nil, maxCPUSeconds: 2)
        XCTAssertEqual(limits.exceededLine(signal: SIGXCPU, cpuMilliseconds: 2000),
                       "dsched: the run exceeded max_cpu (2 s of CPU time): ended by SIGXCPU\n")
        XCTAssertEqual(limits.exceededLine(signal: SIGKILL, cpuMilliseconds: 3000),
                       "dsched: the run exceeded max_cpu (2 s of CPU time): ended by SIGKILL\n")
        XCTAssertNil(limits.exceededLine(signal: SIGKILL, cpuMilliseconds: 10), "a KILL before the limit is someone else's")
        XCTAssertNil(limits.exceededLine(signal: SIGTERM, cpuMilliseconds: 5000))
        XCTAssertNil(limits.exceededLine(signal: nil, cpuMilliseconds: 5000), "an exit is not the limit's")
        XCTAssertNil(RunLimits(maxMemoryBytes: nil, maxCPUSeconds: nil).exceededLine(signal: SIGXCPU, cpuMilliseconds: 0),
                     "no max_cpu: a SIGXCPU came from elsewhere")
    }
}
