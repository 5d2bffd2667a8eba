// A job's own bounds and user, over the real binary (issue 11, rows 4 and 6): `max_concurrency`
// bounds its runs live at once on its owner (the rest wait in the fair queue), and `run_as`
// runs its scripts as a user of the node's `--allowed-users` — refused with a 400 naming the
// field when the user is not in the list (or the node has none), and recorded `failed`, never
// run as another user, on a node that does not allow it.
import Foundation
import XCTest

final class JobConcurrencyAndUserTests: NodesTestCase {
    private func startNode(_ arguments: [String]) throws -> RawClient {
        try launch(["--reload-interval", "0.5"] + arguments).1
    }

    private func count(_ job: Int, _ condition: String) throws -> Int {
        Int(try database.query("SELECT count(*) FROM job_run WHERE job_id = \(job) AND \(condition)")) ?? -1
    }

    /// Pairs of the job's succeeded runs whose [started_at, finished_at) intervals overlap.
    private func overlappingRuns(_ job: Int) throws -> Int {
        Int(try database.query("""
            SELECT count(*) FROM job_run a JOIN job_run b ON a.job_id = b.job_id AND a.id < b.id
            WHERE a.job_id = \(job) AND a.status = 'succeeded' AND b.status = 'succeeded'
              AND a.started_at < b.finished_at AND b.started_at < a.finished_at
            """)) ?? -1
    }

    /// The run `runID` once it is no longer pending or running.
    private func endedRun(_ client: RawClient, _ runID: Int) throws -> [String: Any] {
        var run: [String: Any] = [:]
        XCTAssertTrue(try waitUntil(timeout: 20) {
            run = try client.request("GET", "/runs/\(runID)").object
            return !["pending", "running"].contains(run["status"] as? String ?? "pending")
        }, "run \(runID) ended")
        return run
    }

    private func runNow(_ client: RawClient, _ job: Int) throws -> Int {
        let response = try client.request("POST", "/jobs/\(job)/run")
        XCTAssertEqual(response.status, 201, response.bodyText)
        return try XCTUnwrap(response.object["id"] as? Int)
    }

    func testMaxConcurrencyBoundsAJobsLiveRunsBelowTheNodesCap() throws {
        // 8 slots on two workers: the node's cap per job is 4.
        let client = try startNode(["--workers", "2", "--worker-concurrency", "4", "--max-waiting-per-job", "5"])
        let single = try createJob(client, #"{"name":"single","frequency":"200ms","script":"sleep 2","max_concurrency":1}"#)
        let three = try createJob(client, #"{"name":"three","frequency":"200ms","script":"sleep 2","max_concurrency":3}"#)
        var mostSingle = 0
        var mostThree = 0
        let deadline = Date().addingTimeInterval(7)
        while Date() < deadline {
            mostSingle = max(mostSingle, try count(single, "status = 'running'"))
            mostThree = max(mostThree, try count(three, "status = 'running'"))
            usleep(150_000)
        }
        XCTAssertEqual(mostSingle, 1, "max_concurrency 1: never two runs running at once")
        XCTAssertEqual(mostThree, 3, "max_concurrency 3: up to three at once, not the node's four")
        XCTAssertGreaterThanOrEqual(try count(single, "status = 'succeeded'"), 2)
        XCTAssertEqual(try overlappingRuns(single), 0, "no two succeeded runs of the max_concurrency 1 job overlapped")
        XCTAssertGreaterThan(try overlappingRuns(three), 0, "runs of the max_concurrency 3 job did overlap")
        let shown = try client.request("GET", "/jobs/\(single)").object
        XCTAssertEqual(shown["max_concurrency"] as? Int, 1)
        XCTAssertTrue(shown["run_as"] is NSNull, "run_as is null by default")
    }

    func testRunAsAnAllowedUserRunsTheScriptAsThatUser() throws {
        try XCTSkipUnless(geteuid() == 0, "running scripts as another user needs root")
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let client = try startNode(["--workers", "1", "--allowed-users", "nobody"])
        let job = try createJob(client, #"{"name":"as-nobody","frequency":"1h","script":"id -u; id -g; echo $USER","run_as":"nobody"}"#)
        XCTAssertEqual(try client.request("GET", "/jobs/\(job)").object["run_as"] as? String, "nobody")
        let run = try endedRun(client, try runNow(client, job))
        XCTAssertEqual(run["status"] as? String, "succeeded", "\(run)")
        XCTAssertEqual(run["output"] as? String, "\(nobody.pw_uid)\n\(nobody.pw_gid)\nnobody\n")
    }

    func testRunAsAUserOutsideTheAllowListIsA400NamingRunAs() throws {
        let client = try startNode(["--workers", "1", "--allowed-users", "nobody"])
        let refused = try client.request("POST", "/jobs", json: #"{"name":"as-root","frequency":"1h","script":"id -u","run_as":"root"}"#)
        XCTAssertEqual(refused.status, 400, refused.bodyText)
        let error = try XCTUnwrap(refused.object["error"] as? [String: Any])
        XCTAssertEqual(error["field"] as? String, "run_as")
        XCTAssertEqual(error["message"] as? String, "run_as: user root is not in --allowed-users")
        let job = try createJob(client, #"{"name":"plain","frequency":"1h","script":"id -u"}"#)
        let patched = try client.request("PATCH", "/jobs/\(job)", json: #"{"run_as":"root"}"#)
        XCTAssertEqual(patched.status, 400, patched.bodyText)
        XCTAssertEqual((patched.object["error"] as? [String: Any])?["field"] as? String, "run_as")
    }

    func testANodeWithoutAnAllowListRefusesAnyRunAs() throws {
        let client = try startNode(["--workers", "1"])
        for user in ["nobody", "root"] {
            let refused = try client.request("POST", "/jobs", json: #"{"name":"as","frequency":"1h","script":"true","run_as":"\#(user)"}"#)
            XCTAssertEqual(refused.status, 400, refused.bodyText)
            XCTAssertEqual((refused.object["error"] as? [String: Any])?["field"] as? String, "run_as", refused.bodyText)
        }
    }

    func testARunWhoseUserThisNodeDoesNotAllowIsRecordedFailedNotRun() throws {
        let allowing = try startNode(["--workers", "1", "--allowed-users", "nobody"])
        let job = try createJob(allowing, #"{"name":"as-nobody","frequency":"1h","script":"echo ran","run_as":"nobody"}"#)
        // Another node of the cluster, which allows no user, runs it now.
        let other = try startNode(["--workers", "1"])
        let run = try endedRun(other, try runNow(other, job))
        XCTAssertEqual(run["status"] as? String, "failed", "\(run)")
        XCTAssertEqual(run["output"] as? String,
                       "dsched: could not start the script: run_as: user nobody is not in this node's --allowed-users\n")
    }

    func testAnAllowedUserThatDoesNotExistStopsTheNodeAtStart() throws {
        let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve", "--allowed-users", "no-such-user-dsched"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(message.contains("--allowed-users: no user named \"no-such-user-dsched\""), message)
    }
}
