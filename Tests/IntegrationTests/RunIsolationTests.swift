// What a job's script can see and leave behind (issue 11, rows 3, 4 and 8), over the real
// binary with its workers: only fds 0-2, also from a restarted worker; the `--run-as` user and
// its rights; and no process of a run left once the run has ended, however it ended.
import Foundation
import XCTest

final class RunIsolationTests: NodesTestCase {
    private func startNode(_ arguments: [String] = []) throws -> (ServerProcess, RawClient) {
        try launch(["--workers", "1", "--kill-grace", "0.5"] + arguments)
    }

    /// The script lists its shell's descriptors (ls is a child of the shell: `$$` is the
    /// shell, not ls, which is not the last command and so is not exec'd in the shell's place).
    private static let listShellDescriptors = "ls /proc/$$/fd; echo end"

    func testAScriptSeesOnlyDescriptors0To2AlsoFromARestartedWorker() throws {
        let (_, client) = try startNode()
        XCTAssertEqual(try runScriptOnce(client, script: Self.listShellDescriptors)["output"] as? String, "0\n1\n2\nend\n")
        let workers = try XCTUnwrap(client.request("GET", "/workers").object["workers"] as? [[String: Any]])
        let workerPID = try XCTUnwrap(workers.first?["pid"] as? Int)
        kill(pid_t(workerPID), SIGKILL)
        XCTAssertTrue(try waitUntil(timeout: 15) {
            let workers = try client.request("GET", "/workers").object["workers"] as? [[String: Any]] ?? []
            return workers.contains { $0["state"] as? String == "running" && ($0["restarts"] as? Int ?? 0) >= 1 }
        }, "the worker was restarted")
        // The restarted worker was spawned after the master connected to PostgreSQL and Redis.
        XCTAssertEqual(try runScriptOnce(client, script: Self.listShellDescriptors)["output"] as? String, "0\n1\n2\nend\n")
    }

    func testABackgroundProcessEndsWhenItsRunExits() throws {
        let (_, client) = try startNode()
        let marker = "1000.\(Int.random(in: 100_000...999_999))"
        let run = try runScriptOnce(client, script: "echo $$; sleep \(marker) & echo x")
        XCTAssertEqual(run["status"] as? String, "succeeded")
        let group = try XCTUnwrap(pid_t((run["output"] as? String ?? "").split(separator: "\n").first ?? ""))
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            ProcessTable.liveMembers(ofGroup: group).isEmpty && ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty
        }, "the background sleep outlived its run")
    }

    func testAProcessThatLeftTheRunsGroupWithSetsidEndsWhenTheRunTimesOut() throws {
        let (_, client) = try startNode()
        let marker = "1000.\(Int.random(in: 100_000...999_999))"
        let run = try runScriptOnce(client, script: "echo $$; setsid sleep \(marker) & sleep 30", fields: ["timeout": 2000])
        XCTAssertEqual(run["status"] as? String, "timed_out")
        let group = try XCTUnwrap(pid_t((run["output"] as? String ?? "").split(separator: "\n").first ?? ""))
        XCTAssertTrue(ProcessTable.eventually(timeout: 5) {
            ProcessTable.liveMembers(ofGroup: group).isEmpty && ProcessTable.liveProcesses(commandLineContaining: marker).isEmpty
        }, "the setsid sleep outlived its run")
    }

    func testWithRunAsScriptsRunAsThatUserAndCannotReadRootOnlyFiles() throws {
        try XCTSkipUnless(geteuid() == 0, "--run-as another user needs root")
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let secret = NSTemporaryDirectory() + "dsched-root-only-\(UUID().uuidString)"
        XCTAssertTrue(FileManager.default.createFile(atPath: secret, contents: Data("root's secret\n".utf8),
                                                     attributes: [.posixPermissions: 0o600]))
        defer { unlink(secret) }
        let (server, client) = try startNode(["--run-as", "nobody"])
        let run = try runScriptOnce(client, script: "id -u; id -g; cat \(secret) || echo denied")
        XCTAssertEqual(run["output"] as? String, "\(nobody.pw_uid)\n\(nobody.pw_gid)\n"
            + "cat: \(secret): Permission denied\ndenied\n")
        XCTAssertFalse(server.log.contains("scripts run as root"), "no warning with --run-as")
    }

    func testAnUnknownRunAsUserStopsTheNodeAtStartWithAClearMessage() throws {
        let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve", "--run-as", "no-such-user-dsched"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(message.contains("no user named \"no-such-user-dsched\""), message)
    }

    func testARootNodeWithoutRunAsWarnsAtStart() throws {
        try XCTSkipUnless(geteuid() == 0, "the warning is for nodes that run as root")
        let (server, _) = try startNode()
        XCTAssertTrue(server.log.contains("scripts run as root"), server.log)
    }
}
