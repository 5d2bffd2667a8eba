// Inputs of the jobs API that used to get through, against the real binary and PostgreSQL:
// blank names and scripts, bodies that are not UTF-8, query and path parameters holding NUL or
// bytes that are not UTF-8, day-of-week ranges ending on Sunday, and schedules past year 9999.
import Foundation
import XCTest

final class JobInputRulesTests: SingleNodeTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try start()
    }

    /// Sends exact body bytes (which a Swift String could not hold) and reads the answer.
    private func post(_ path: String, bytes body: [UInt8]) throws -> RawResponse {
        try client.send(Array("POST \(path) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        return try client.readResponse()
    }

    private func assertError(_ response: RawResponse, _ code: String, field: String?, message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, 400, response.bodyText, file: file, line: line)
        XCTAssertEqual(response.error["code"] as? String, code, file: file, line: line)
        XCTAssertEqual(response.error["field"] as? String, field, file: file, line: line)
        XCTAssertEqual(response.error["message"] as? String, message, file: file, line: line)
    }

    func testBlankNamesAndScriptsAreRefusedOnPostAndPatch() throws {
        for name in ["   ", #"\t"#, #"\n\r\n"#, #" \t\n "#, #"\u00a0\u3000"#] {
            let response = try client.request("POST", "/jobs", json: #"{"name":"\#(name)","frequency":"5m","script":"true"}"#)
            assertError(response, "invalid_value", field: "name", message: "name: must not be blank")
        }
        assertError(try client.request("POST", "/jobs", json: #"{"name":"x","frequency":"5m","script":" \n\t "}"#),
                    "invalid_value", field: "script", message: "script: must not be blank")
        assertError(try client.request("POST", "/jobs", json: #"[{"name":"ok","frequency":"5m","script":"true"},{"name":"  ","frequency":"5m","script":"true"}]"#),
                    "invalid_value", field: "[1].name", message: "[1].name: must not be blank")
        XCTAssertEqual(try database.query("SELECT count(*) FROM job"), "0")

        let created = try client.request("POST", "/jobs", json: #"{"name":"kept","description":"   ","frequency":"5m","script":"true"}"#)
        XCTAssertEqual(created.status, 201, created.bodyText)
        XCTAssertEqual(created.object["description"] as? String, "   ", "a description may be blank")
        let id = try XCTUnwrap(created.object["id"] as? Int)
        assertError(try client.request("PATCH", "/jobs/\(id)", json: #"{"name":"\t  "}"#), "invalid_value", field: "name", message: "name: must not be blank")
        assertError(try client.request("PATCH", "/jobs/\(id)", json: #"{"script":"\n"}"#), "invalid_value", field: "script", message: "script: must not be blank")
        XCTAssertEqual(try database.query("SELECT name || '|' || script || '|' || version FROM job"), "kept|true|1", "nothing was changed")
    }

    func testBodiesThatAreNotUTF8AreRefusedAtTheirByteOffset() throws {
        let prefix = Array(#"{"name":"x","frequency":"5m","script":"echo caf"#.utf8)  // the bad bytes start at offset 47
        let cases: [(String, [UInt8])] = [
            ("Latin-1 é", [0xE9]), ("overlong '/'", [0xC0, 0xAF]), ("overlong three bytes", [0xE0, 0x80, 0xAF]),
            ("a surrogate encoded", [0xED, 0xA0, 0x80]), ("truncated", [0xE2, 0x82]), ("past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ]
        for (label, bytes) in cases {
            let response = try post("/jobs", bytes: prefix + bytes + Array(#""}"#.utf8))
            XCTAssertEqual(response.status, 400, label)
            XCTAssertEqual(response.error["code"] as? String, "invalid_json", label)
            XCTAssertEqual(response.error["message"] as? String, "the body is not valid JSON: invalid UTF-8 at byte 47", label)
        }
        let escaped = try client.request("POST", "/jobs", json: #"{"name":"x","frequency":"5m","script":"a\ud800"}"#)
        assertError(escaped, "invalid_json", field: nil, message: #"the body is not valid JSON: unpaired surrogate \uD800 at byte 40"#)
        let valid = try post("/jobs", bytes: prefix + [0xC3, 0xA9] + Array(#""}"#.utf8))
        XCTAssertEqual(valid.status, 201, valid.bodyText)
        XCTAssertEqual(try database.query("SELECT script FROM job"), "echo café", "only the valid body was written, unaltered")
    }

    func testQueryAndPathParametersHoldingNULOrNotUTF8AreRefusedByName() throws {
        XCTAssertEqual(try client.request("POST", "/jobs", json: #"{"name":"x","frequency":"5m","script":"true"}"#).status, 201)
        let message = "must be UTF-8 text without NUL once percent-decoded"
        assertError(try client.request("GET", "/jobs?name=x%00y"), "invalid_value", field: "name", message: "name: \(message)")
        assertError(try client.request("GET", "/jobs?limit=5&name=caf%E9"), "invalid_value", field: "name", message: "name: \(message)")
        assertError(try client.request("GET", "/jobs/1%00"), "invalid_value", field: "id", message: "id: \(message)")
        assertError(try client.request("GET", "/jobs/1/runs?before=%C0%80"), "invalid_value", field: "before", message: "before: \(message)")
        try client.send(Array("GET /jobs?name=caf".utf8) + [0xE9] + Array(" HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
        assertError(try client.readResponse(), "invalid_value", field: "name", message: "name: \(message)")
        let page = try client.request("GET", "/jobs?name=x")
        XCTAssertEqual((page.object["jobs"] as? [[String: Any]])?.count, 1, "a clean name still filters")
    }

    func testADayOfWeekRangeMayEndOnSunday() throws {
        let cases = [("0 9 * * Sat-Sun", "2030-01-05T09:00:00Z"), ("0 9 * * MON-SUN", "2030-01-03T09:00:00Z"), ("0 9 * * fri-0", "2030-01-04T09:00:00Z")]
        for (frequency, next) in cases {
            // 2030-01-03 is a Thursday.
            let response = try client.request("POST", "/jobs", json: #"{"name":"w","frequency":"\#(frequency)","startdate":"2030-01-03T00:00:00Z","script":"true"}"#)
            XCTAssertEqual(response.status, 201, response.bodyText)
            XCTAssertEqual(response.object["next_run_at"] as? String, next, frequency)
        }
        assertError(try client.request("POST", "/jobs", json: #"{"name":"w","frequency":"0 9 * * FRI-MON","script":"true"}"#), "invalid_value",
                    field: "frequency", message: "frequency: day-of-week field: FRI-MON is a backwards range; allowed 0-7 or SUN-SAT")
    }

    func testNoTickFallsAfterTheYear9999() throws {
        assertError(try client.request("POST", "/jobs", json: #"{"name":"late","frequency":"1s","startdate":"9999-12-31T23:59:59Z","script":"true"}"#),
                    "invalid_value", field: "startdate", message: "startdate: the schedule has no tick after it: ticks end at 9999-12-31T23:59:59.999Z")
        let last = try client.request("POST", "/jobs", json: #"{"name":"last","frequency":"1s","startdate":"9999-12-31T23:59:58Z","script":"true"}"#)
        XCTAssertEqual(last.status, 201, last.bodyText)
        XCTAssertEqual(last.object["next_run_at"] as? String, "9999-12-31T23:59:59Z")
    }
}
