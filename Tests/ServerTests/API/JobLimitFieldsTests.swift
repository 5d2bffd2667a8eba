// The per-job `max_memory` and `max_cpu` rows of the job table (issue 11, row 8): null (no
// limit) by default, integers within their ranges (bytes 16 MiB-1 TiB, seconds 1-86400),
// anything else a 400 naming the field, on POST and on PATCH.
import XCTest
@testable import Server

final class JobLimitFieldsTests: XCTestCase {
    private let now: Int64 = 1_800_000_000_000
    private let required = #""name":"n","frequency":"5m","script":"true""#

    private func body(_ members: String) -> JSONValue {
        try! JSONParser.parse(Array("{\(required),\(members)}".utf8))
    }

    private func assertRefused(_ members: String, field: String, code: String = "invalid_value", message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JobValidator(now: now).create(body(members)), members, file: file, line: line) { error in
            let error = error as? APIError
            XCTAssertEqual(error?.status, .badRequest, file: file, line: line)
            XCTAssertEqual(error?.code, code, file: file, line: line)
            XCTAssertEqual(error?.field, field, file: file, line: line)
            XCTAssertEqual(error?.message, message, file: file, line: line)
        }
    }

    func testBothDefaultToNullMeaningNoLimit() throws {
        let draft = try JobValidator(now: now).create(try JSONParser.parse(Array("{\(required)}".utf8)))
        XCTAssertNil(draft.maxMemoryBytes)
        XCTAssertNil(draft.maxCPUSeconds)
        let nulls = try JobValidator(now: now).create(body(#""max_memory":null,"max_cpu":null"#))
        XCTAssertNil(nulls.maxMemoryBytes)
        XCTAssertNil(nulls.maxCPUSeconds)
    }

    func testMaxMemoryTakesBytesFrom16MiBTo1TiB() throws {
        XCTAssertEqual(try JobValidator(now: now).create(body(#""max_memory":16777216"#)).maxMemoryBytes, 16 << 20)
        XCTAssertEqual(try JobValidator(now: now).create(body(#""max_memory":1099511627776"#)).maxMemoryBytes, 1 << 40)
        assertRefused(#""max_memory":16777215"#, field: "max_memory",
                      message: "max_memory: must be 16777216-1099511627776, got 16777215")
        assertRefused(#""max_memory":1099511627777"#, field: "max_memory",
                      message: "max_memory: must be 16777216-1099511627776, got 1099511627777")
        assertRefused(#""max_memory":0"#, field: "max_memory", message: "max_memory: must be 16777216-1099511627776, got 0")
        assertRefused(#""max_memory":-1"#, field: "max_memory", message: "max_memory: must be 16777216-1099511627776, got -1")
        assertRefused(#""max_memory":"256MiB""#, field: "max_memory", code: "wrong_type",
                      message: "max_memory: must be an integer, got a string")
        assertRefused(#""max_memory":6.7e7"#, field: "max_memory", code: "wrong_type",
                      message: "max_memory: must be an integer, got a number")
    }

    func testMaxCPUTakesSecondsFrom1To86400() throws {
        XCTAssertEqual(try JobValidator(now: now).create(body(#""max_cpu":1"#)).maxCPUSeconds, 1)
        XCTAssertEqual(try JobValidator(now: now).create(body(#""max_cpu":86400"#)).maxCPUSeconds, 86_400)
        assertRefused(#""max_cpu":0"#, field: "max_cpu", message: "max_cpu: must be 1-86400, got 0")
        assertRefused(#""max_cpu":86401"#, field: "max_cpu", message: "max_cpu: must be 1-86400, got 86401")
        assertRefused(#""max_cpu":true"#, field: "max_cpu", code: "wrong_type", message: "max_cpu: must be an integer, got a boolean")
        assertRefused(#""max_cpu":"1s""#, field: "max_cpu", code: "wrong_type", message: "max_cpu: must be an integer, got a string")
    }

    func testPatchSetsAndClearsTheLimits() throws {
        var current = JobDraft(name: "n", frequency: "5m", startdate: now, script: "true")
        current.maxCPUSeconds = 5
        let patched = try JobValidator(now: now).patch(current, with: try JSONParser.parse(Array(#"{"max_memory":67108864,"max_cpu":null}"#.utf8)))
        XCTAssertEqual(patched.maxMemoryBytes, 64 << 20)
        XCTAssertNil(patched.maxCPUSeconds)
        XCTAssertThrowsError(try JobValidator(now: now).patch(current, with: try JSONParser.parse(Array(#"{"max_cpu":0}"#.utf8)))) { error in
            XCTAssertEqual((error as? APIError)?.field, "max_cpu")
        }
    }
}
