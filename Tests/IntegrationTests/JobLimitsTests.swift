// A job's own limits, over the real binary (issue 11, row 8): `max_cpu` ends a busy script at
// its CPU limit (recorded `failed` with SIGXCPU, the reason leading its output), `max_memory`
// makes an allocation beyond it fail where the same script without it succeeds, both hold
// together with `run_as`, and values out of range are a 400 naming the field.
import Foundation
import Glibc
import XCTest

final class JobLimitsTests: SingleNodeTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try start(["--workers", "1", "--allowed-users", "nobody"])
    }

    /// The error of a 400 answer to `method path` with `body`.
    private func refusal(_ method: String, _ path: String, _ body: String) throws -> [String: Any] {
        let response = try client.request(method, path, json: body)
        XCTAssertEqual(response.status, 400, response.bodyText)
        return try XCTUnwrap(response.object["error"] as? [String: Any], response.bodyText)
    }

    func testABusyLoopPastMaxCPUIsRecordedFailedBySIGXCPUWithTheReason() throws {
        // The timeout is far beyond the CPU limit: only the limit can end the run as failed.
        let job = try create(#"{"name":"spin","frequency":"1h","script":"while :; do :; done","max_cpu":1,"timeout":"5m"}"#)
        XCTAssertEqual(try client.request("GET", "/jobs/\(job)").object["max_cpu"] as? Int, 1)
        let run = try runToEnd(client, job: job)
        XCTAssertEqual(run["status"] as? String, "failed", "\(run)")
        XCTAssertEqual(run["signal"] as? Int, Int(SIGXCPU), "\(run)")
        XCTAssertTrue(run["exit_code"] is NSNull, "\(run)")
        XCTAssertEqual(run["output"] as? String, "dsched: the run exceeded max_cpu (1 s of CPU time): ended by SIGXCPU\n")
    }

    func testAnAllocationBeyondMaxMemoryFailsAndTheSameScriptWithoutItSucceeds() throws {
        // tail keeps a line it has not seen the end of: 128 MiB without a newline, in memory.
        let script = "head -c 128M /dev/zero | tail >/dev/null && echo kept"
        let limited = try create(#"{"name":"limited","frequency":"1h","script":"\#(script)","max_memory":67108864}"#)
        let free = try create(#"{"name":"free","frequency":"1h","script":"\#(script)"}"#)
        let shown = try client.request("GET", "/jobs/\(limited)").object
        XCTAssertEqual(shown["max_memory"] as? Int, 67_108_864)
        XCTAssertTrue(try client.request("GET", "/jobs/\(free)").object["max_memory"] is NSNull)

        let refused = try runToEnd(client, job: limited)
        XCTAssertEqual(refused["status"] as? String, "failed", "\(refused)")
        XCTAssertEqual(refused["exit_code"] as? Int, 1, "\(refused)")
        XCTAssertEqual(refused["output"] as? String, "tail: memory exhausted\n")
        let kept = try runToEnd(client, job: free)
        XCTAssertEqual(kept["status"] as? String, "succeeded", "\(kept)")
        XCTAssertEqual(kept["output"] as? String, "kept\n")
    }

    func testLimitsHoldForAScriptRunAsAnotherUser() throws {
        try XCTSkipUnless(geteuid() == 0, "running scripts as another user needs root")
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let job = try create(#"{"name":"spin-as-nobody","frequency":"1h","script":"id -u; while :; do :; done","#
                             + #""run_as":"nobody","max_cpu":1,"max_memory":268435456,"timeout":"5m"}"#)
        let run = try runToEnd(client, job: job)
        XCTAssertEqual(run["status"] as? String, "failed", "\(run)")
        XCTAssertEqual(run["signal"] as? Int, Int(SIGXCPU), "\(run)")
        XCTAssertEqual(run["output"] as? String,
                       "dsched: the run exceeded max_cpu (1 s of CPU time): ended by SIGXCPU\n\(nobody.pw_uid)\n")
    }

    func testLimitsOutOfRangeOrOfTheWrongTypeAreA400NamingTheField() throws {
        let cases: [(String, String, String)] = [
            (#""max_cpu":0"#, "max_cpu", "max_cpu: must be 1-86400, got 0"),
            (#""max_cpu":"1s""#, "max_cpu", "max_cpu: must be an integer, got a string"),
            (#""max_memory":1048576"#, "max_memory", "max_memory: must be 16777216-1099511627776, got 1048576"),
            (#""max_memory":"1GiB""#, "max_memory", "max_memory: must be an integer, got a string"),
        ]
        for (members, field, message) in cases {
            let error = try refusal("POST", "/jobs", #"{"name":"bad","frequency":"1h","script":"true",\#(members)}"#)
            XCTAssertEqual(error["field"] as? String, field, members)
            XCTAssertEqual(error["message"] as? String, message, members)
        }
        let job = try create(#"{"name":"good","frequency":"1h","script":"true","max_cpu":60}"#)
        let error = try refusal("PATCH", "/jobs/\(job)", #"{"max_memory":-1}"#)
        XCTAssertEqual(error["field"] as? String, "max_memory")
        let cleared = try client.request("PATCH", "/jobs/\(job)", json: #"{"max_cpu":null,"max_memory":1073741824}"#)
        XCTAssertEqual(cleared.status, 200, cleared.bodyText)
        XCTAssertTrue(cleared.object["max_cpu"] is NSNull, cleared.bodyText)
        XCTAssertEqual(cleared.object["max_memory"] as? Int, 1 << 30, cleared.bodyText)
    }
}
