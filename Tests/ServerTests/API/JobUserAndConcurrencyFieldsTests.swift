// The per-job `max_concurrency` and `run_as` rows of the job table (issue 11, rows 4 and 6):
// their defaults, bounds and types, and `run_as` taken only from the node's `--allowed-users`
// (an empty list refuses every user), on POST and on PATCH, with the field named.
import XCTest
@testable import Server

final class JobUserAndConcurrencyFieldsTests: XCTestCase {
    private let now: Int64 = 1_800_000_000_000
    private let required = #""name":"n","frequency":"5m","script":"true""#

    private func validator(allowing users: Set<String>) -> JobValidator {
        JobValidator(now: now, allowedUsers: users)
    }

    private func body(_ members: String) -> JSONValue {
        try! JSONParser.parse(Array("{\(required),\(members)}".utf8))
    }

    private func assertRefused(_ members: String, allowing users: Set<String> = [], field: String, code: String = "invalid_value",
                               message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try validator(allowing: users).create(body(members)), members, file: file, line: line) { error in
            let error = error as? APIError
            XCTAssertEqual(error?.status, .badRequest, file: file, line: line)
            XCTAssertEqual(error?.code, code, file: file, line: line)
            XCTAssertEqual(error?.field, field, file: file, line: line)
            XCTAssertEqual(error?.message, message, file: file, line: line)
        }
    }

    func testBothDefaultToNullMeaningTheNodesSetting() throws {
        let draft = try validator(allowing: ["nobody"]).create(try JSONParser.parse(Array("{\(required)}".utf8)))
        XCTAssertNil(draft.maxConcurrency)
        XCTAssertNil(draft.runAs)
        let nulls = try validator(allowing: []).create(body(#""max_concurrency":null,"run_as":null"#))
        XCTAssertNil(nulls.maxConcurrency)
        XCTAssertNil(nulls.runAs)
    }

    func testMaxConcurrencyTakesIntegersFrom1To10000() throws {
        XCTAssertEqual(try validator(allowing: []).create(body(#""max_concurrency":1"#)).maxConcurrency, 1)
        XCTAssertEqual(try validator(allowing: []).create(body(#""max_concurrency":10000"#)).maxConcurrency, 10_000)
        assertRefused(#""max_concurrency":0"#, field: "max_concurrency", message: "max_concurrency: must be 1-10000, got 0")
        assertRefused(#""max_concurrency":10001"#, field: "max_concurrency", message: "max_concurrency: must be 1-10000, got 10001")
        assertRefused(#""max_concurrency":-3"#, field: "max_concurrency", message: "max_concurrency: must be 1-10000, got -3")
        assertRefused(#""max_concurrency":1.5"#, field: "max_concurrency", code: "wrong_type",
                      message: "max_concurrency: must be an integer, got a number")
        assertRefused(#""max_concurrency":"2""#, field: "max_concurrency", code: "wrong_type",
                      message: "max_concurrency: must be an integer, got a string")
    }

    func testRunAsTakesOnlyAUserOfTheAllowList() throws {
        XCTAssertEqual(try validator(allowing: ["nobody", "daemon"]).create(body(#""run_as":"nobody""#)).runAs, "nobody")
        assertRefused(#""run_as":"root""#, allowing: ["nobody"], field: "run_as",
                      message: "run_as: user root is not in --allowed-users")
        assertRefused(#""run_as":"Nobody""#, allowing: ["nobody"], field: "run_as",
                      message: "run_as: user Nobody is not in --allowed-users")
        assertRefused(#""run_as":7"#, allowing: ["nobody"], field: "run_as", code: "wrong_type",
                      message: "run_as: must be a string, got a number")
    }

    func testANodeWithNoAllowListRefusesEveryRunAs() {
        assertRefused(#""run_as":"nobody""#, allowing: [], field: "run_as",
                      message: "run_as: user nobody is not in --allowed-users (empty on this node: a job may not choose its user)")
    }

    func testPatchChecksRunAsAgainstTheServingNodesList() throws {
        var current = JobDraft(name: "n", frequency: "5m", startdate: now, script: "true")
        current.runAs = "nobody"
        let patch = try JSONParser.parse(Array(#"{"run_as":"daemon","max_concurrency":3}"#.utf8))
        let patched = try validator(allowing: ["daemon"]).patch(current, with: patch)
        XCTAssertEqual(patched.runAs, "daemon")
        XCTAssertEqual(patched.maxConcurrency, 3)
        XCTAssertThrowsError(try validator(allowing: ["nobody"]).patch(current, with: patch)) { error in
            XCTAssertEqual((error as? APIError)?.field, "run_as")
        }
        // A PATCH that leaves run_as alone is not refused for it.
        let unrelated = try JSONParser.parse(Array(#"{"paused":true}"#.utf8))
        XCTAssertEqual(try validator(allowing: []).patch(current, with: unrelated).runAs, "nobody")
    }
}
