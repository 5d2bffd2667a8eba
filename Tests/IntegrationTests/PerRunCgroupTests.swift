// Per-run cgroups (issue 11, row 8), over the real binary: with `--cgroup`, a script runs in
// <cgroup>/<worker pid>/run-<run id>, also as a run_as user under max_memory and max_cpu (the
// wrapper, prlimit and setpriv compose); what it leaves behind, also a process that left its
// process group with setsid, ends with the run and the run's cgroup is gone; the worker's
// directory goes with the worker; a `--cgroup` that is no writable cgroup v2 directory stops
// the node at start. The feature needs a cgroup v2 hierarchy this test may write (root, and
// /sys/fs/cgroup/unified or /sys/fs/cgroup mounted cgroup2): elsewhere those tests are skipped.
import Foundation
import XCTest

final class PerRunCgroupTests: XCTestCase {
    private var database: TestDatabase!
    private var nodes: [ServerProcess] = []
    /// The test's own cgroup, <cgroup2 mount>/dsched-test-<random>, given as `--cgroup`.
    private var cgroup: String?

    override func setUpWithError() throws {
        database = try TestDatabase()
    }

    override func tearDown() {
        nodes = []
        if let cgroup {
            // The workers remove their directories as they exit, just after their master.
            XCTAssertTrue(ProcessTable.eventually(timeout: 10) { rmdir(cgroup) == 0 || errno == ENOENT },
                          "the test's cgroup \(cgroup) could be removed: no worker directory was left in it")
        }
        database = nil
    }

    /// Makes the test's cgroup under a writable cgroup v2 mount, or skips the test.
    private func makeTestCgroup() throws -> String {
        try XCTSkipUnless(geteuid() == 0, "creating cgroups needs root")
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let cgroup2Mounts = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[2] == "cgroup2" ? String(fields[1]) : nil
        }
        guard let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first(where: { cgroup2Mounts.contains($0) }) else {
            throw XCTSkip("no cgroup2 hierarchy mounted at /sys/fs/cgroup/unified or /sys/fs/cgroup")
        }
        let path = root + "/dsched-test-\(UInt32.random(in: 0...UInt32.max))"
        try XCTSkipUnless(mkdir(path, 0o755) == 0, "cannot create a cgroup under \(root): \(String(cString: strerror(errno)))")
        cgroup = path
        return path
    }

    private func startNode(cgroup: String) throws -> (ServerProcess, RawClient) {
        let server = try ServerProcess(arguments: ["--workers", "1", "--kill-grace", "0.5", "--allowed-users", "nobody",
                                                   "--cgroup", cgroup],
                                       environment: database.environment)
        try waitForReady(server)
        nodes.append(server)
        return (server, try RawClient(port: server.port))
    }

    func testAScriptRunsInItsRunsCgroupUnderItsWorkersDirectory() throws {
        let cgroup = try makeTestCgroup()
        let (_, client) = try startNode(cgroup: cgroup)
        let workers = try XCTUnwrap(client.request("GET", "/workers").object["workers"] as? [[String: Any]])
        let workerPID = try XCTUnwrap(workers.first?["pid"] as? Int)
        let run = try runScriptOnce(client, script: "cat /proc/self/cgroup")
        XCTAssertEqual(run["status"] as? String, "succeeded", "\(run)")
        let runID = try XCTUnwrap(run["id"] as? Int)
        let output = run["output"] as? String ?? ""
        // The v2 line: "0::<path from the hierarchy's root>".
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("0::") }, output)
        let name = (cgroup as NSString).lastPathComponent
        XCTAssertTrue(line.hasSuffix("/\(name)/\(workerPID)/run-\(runID)"), String(line))
    }

    func testAScriptRunAsAnotherUserUnderLimitsIsInItsRunsCgroupToo() throws {
        let cgroup = try makeTestCgroup()
        let (_, client) = try startNode(cgroup: cgroup)
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let run = try runScriptOnce(client, script: "id -u; cat /proc/self/cgroup",
                              fields: ["run_as": "nobody", "max_memory": 268_435_456, "max_cpu": 5])
        XCTAssertEqual(run["status"] as? String, "succeeded", "\(run)")
        let runID = try XCTUnwrap(run["id"] as? Int)
        let lines = (run["output"] as? String ?? "").split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "\(nobody.pw_uid)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("0::") && $0.hasSuffix("/run-\(runID)") }, "\(lines)")
    }

    func testAProcessThatEscapesWithSetsidEndsWithItsRunAndNoCgroupIsLeft() throws {
        let cgroup = try makeTestCgroup()
        let (server, client) = try startNode(cgroup: cgroup)
        let marker = "1000.\(Int.random(in: 100_000...999_999))"
        let run = try runScriptOnce(client, script: "setsid sleep \(marker) & echo x")
        XCTAssertEqual(run["status"] as? String, "succeeded", "\(run)")
        let runID = try XCTUnwrap(run["id"] as? Int)
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty && Self.runDirectories(in: cgroup).isEmpty
        }, "the setsid sleep or the cgroup of run \(runID) outlived the run: \(Self.runDirectories(in: cgroup))")
        server.signal(SIGTERM)
        XCTAssertNotNil(server.waitForExit())
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            ((try? FileManager.default.contentsOfDirectory(atPath: cgroup)) ?? []).allSatisfy { !Self.isDirectory(cgroup + "/" + $0) }
        }, "the worker's directory outlived the worker")
    }

    func testACgroupThatIsNoCgroup2DirectoryStopsTheNodeAtStartWithAClearMessage() throws {
        for path in ["/tmp", "/nonexistent-dsched-cgroup"] {
            let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve", "--cgroup", path])
            XCTAssertNotEqual(status, 0, path)
            XCTAssertTrue(message.contains("--cgroup: \(path) is not a cgroup v2 directory"), message)
        }
    }

    /// The run cgroups (run-*) in the workers' directories under `cgroup`.
    private static func runDirectories(in cgroup: String) -> [String] {
        let workers = ((try? FileManager.default.contentsOfDirectory(atPath: cgroup)) ?? []).filter { isDirectory(cgroup + "/" + $0) }
        return workers.flatMap { worker in
            ((try? FileManager.default.contentsOfDirectory(atPath: cgroup + "/" + worker)) ?? []).filter { $0.hasPrefix("run-") }
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
