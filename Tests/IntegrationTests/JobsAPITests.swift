// The jobs API against a real PostgreSQL and the real binary.
import Foundation
import XCTest

final class JobsAPITests: XCTestCase {
    private var database: TestDatabase!
    private var server: ServerProcess!
    private var client: RawClient!

    override func setUpWithError() throws {
        database = try TestDatabase()
        server = try ServerProcess(arguments: ["--pg-queue-timeout", "1"], environment: database.environment)
        try waitForReady(server)
        client = try RawClient(port: server.port)
    }

    override func tearDown() {
        client = nil
        server = nil
        database = nil
    }

    func testCreateShowListPatchPauseResumeDelete() throws {
        let created = try client.request("POST", "/jobs", json: #"{"name":"backup","description":"nightly","frequency":"0 3 * * *","script":"pg_dump db > /tmp/db.sql","timezone":"Europe/Paris","timeout":"5m","retries":2,"retry_backoff":"30s","concurrency":"forbid","misfire":"skip"}"#)
        XCTAssertEqual(created.status, 201, created.bodyText)
        let job = created.object
        let id = try XCTUnwrap(job["id"] as? Int)
        XCTAssertEqual(created.header("Location"), "/jobs/\(id)")
        XCTAssertEqual(job["name"] as? String, "backup")
        XCTAssertEqual(job["frequency"] as? String, "0 3 * * *")
        XCTAssertEqual(job["timeout"] as? Int, 300_000)
        XCTAssertEqual(job["retry_backoff"] as? Int, 30_000)
        XCTAssertEqual(job["concurrency"] as? String, "forbid")
        XCTAssertEqual(job["misfire"] as? String, "skip")
        XCTAssertEqual(job["repeat"] as? Bool, true)
        XCTAssertEqual(job["version"] as? Int, 1)
        let nextRun = try XCTUnwrap(job["next_run_at"] as? String)
        XCTAssertTrue(nextRun.hasSuffix(":00:00Z"), "03:00 Paris is on the hour in UTC: \(nextRun)")

        let shown = try client.request("GET", "/jobs/\(id)")
        XCTAssertEqual(shown.status, 200)
        XCTAssertEqual(shown.object["script"] as? String, "pg_dump db > /tmp/db.sql")

        let patched = try client.request("PATCH", "/jobs/\(id)", json: #"{"frequency": 60000, "description": null}"#)
        XCTAssertEqual(patched.status, 200, patched.bodyText)
        XCTAssertEqual(patched.object["frequency"] as? Int, 60000)
        XCTAssertEqual(patched.object["description"] as? String, "")
        XCTAssertEqual(patched.object["name"] as? String, "backup", "fields not in the PATCH are kept")
        XCTAssertEqual(patched.object["version"] as? Int, 2)

        let paused = try client.request("POST", "/jobs/\(id)/pause")
        XCTAssertEqual(paused.object["paused"] as? Bool, true)
        XCTAssertTrue(paused.object["next_run_at"] is NSNull, "a paused job has no next run")
        let resumed = try client.request("POST", "/jobs/\(id)/resume")
        XCTAssertEqual(resumed.object["paused"] as? Bool, false)
        XCTAssertNotNil(resumed.object["next_run_at"] as? String)

        XCTAssertEqual(try client.request("DELETE", "/jobs/\(id)").status, 204)
        let gone = try client.request("GET", "/jobs/\(id)")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(gone.error["code"] as? String, "job_not_found")
        XCTAssertEqual(try client.request("DELETE", "/jobs/\(id)").status, 404)
        XCTAssertEqual(try client.request("PATCH", "/jobs/\(id)", json: "{}").status, 404)
    }

    func testTheRowIsCompleteInTheTable() throws {
        let created = try client.request("POST", "/jobs", json: #"{"name":"row","frequency":"5m","startdate":"2030-01-02T03:04:05.678Z","script":"echo 'quoted; $HOME'","repeat":false}"#)
        XCTAssertEqual(created.status, 201, created.bodyText)
        let row = try database.query("SELECT name, frequency, startdate AT TIME ZONE 'UTC', script, repeat FROM job")
        XCTAssertEqual(row, "row|5m|2030-01-02 03:04:05.678|echo 'quoted; $HOME'|f")
        XCTAssertEqual(created.object["next_run_at"] as? String, "2030-01-02T03:09:05.678Z", "one period after the start")
    }

    /// Each row: body, expected status, error code, field, and a fragment of the message.
    func testValidationNamesTheFieldAndTheReason() throws {
        let valid = #""frequency":"5m","script":"true""#
        let cases: [(String, Int, String, String?, String)] = [
            ("{", 400, "invalid_json", nil, "not valid JSON"),
            ("", 400, "invalid_json", nil, "body is empty"),
            ("42", 400, "invalid_body", nil, "must be a JSON object, got a number"),
            (#"{\#(valid)}"#, 400, "missing_field", "name", "name: is required"),
            (#"{"name":"x","script":"true"}"#, 400, "missing_field", "frequency", "frequency: is required"),
            (#"{"name":"x","frequency":"5m"}"#, 400, "missing_field", "script", "script: is required"),
            (#"{"name":"",\#(valid)}"#, 400, "invalid_value", "name", "name: must be 1-200 characters, got 0"),
            (#"{"name":"\#(String(repeating: "n", count: 201))",\#(valid)}"#, 400, "invalid_value", "name", "must be 1-200 characters, got 201"),
            (#"{"name":7,\#(valid)}"#, 400, "wrong_type", "name", "name: must be a string, got a number"),
            (#"{"name":"x",\#(valid),"colour":"red"}"#, 400, "unknown_field", "colour", "colour: is not a job field"),
            (#"{"name":"x",\#(valid),"id":5}"#, 400, "read_only_field", "id", "id: is set by the server"),
            (#"{"name":"x","frequency":"61 * * * *","script":"true"}"#, 400, "invalid_value", "frequency", "minute field: 61 is out of range 0-59"),
            (#"{"name":"x","frequency":"5 parsecs","script":"true"}"#, 400, "invalid_value", "frequency", "frequency field"),
            (#"{"name":"x","frequency":-5,"script":"true"}"#, 400, "invalid_value", "frequency", "must not be negative"),
            (#"{"name":"x","frequency":true,"script":"true"}"#, 400, "wrong_type", "frequency", "got a boolean"),
            (#"{"name":"x","frequency":0,"script":"true"}"#, 400, "invalid_value", "frequency", "frequency"),
            (#"{"name":"x",\#(valid),"timezone":"Mars/Olympus"}"#, 400, "invalid_value", "timezone", "\"Mars/Olympus\" is not an IANA time zone"),
            (#"{"name":"x",\#(valid),"startdate":"yesterday"}"#, 400, "invalid_value", "startdate", "\"yesterday\" is not an RFC 3339 timestamp"),
            (#"{"name":"x",\#(valid),"timeout":0}"#, 400, "invalid_value", "timeout", "must be positive"),
            (#"{"name":"x",\#(valid),"timeout":"soon"}"#, 400, "invalid_value", "timeout", "\"soon\" is not a duration"),
            (#"{"name":"x",\#(valid),"retries":1.5}"#, 400, "wrong_type", "retries", "must be an integer"),
            (#"{"name":"x",\#(valid),"retries":101}"#, 400, "invalid_value", "retries", "must be 0-100, got 101"),
            (#"{"name":"x",\#(valid),"concurrency":"sometimes"}"#, 400, "invalid_value", "concurrency", "not one of allow, forbid, replace"),
            (#"{"name":"x",\#(valid),"misfire":"never"}"#, 400, "invalid_value", "misfire", "not one of run_once, skip, run_all"),
            (#"{"name":"x",\#(valid),"repeat":"yes"}"#, 400, "wrong_type", "repeat", "must be a boolean, got a string"),
            (#"{"name":"x","frequency":"5m","script":""}"#, 400, "invalid_value", "script", "must be 1-65536 bytes, got 0"),
            (#"{"name":"\#(String(repeating: "e\u{301}", count: 101))",\#(valid)}"#, 400, "invalid_value", "name", "got 202"),
            (#"{"name":"a\u0000b",\#(valid)}"#, 400, "invalid_value", "name", "must not contain the NUL character"),
            (#"{"name":"x","frequency":"\#(String(repeating: " ", count: 300))5m","script":"true"}"#, 400, "invalid_value", "frequency", "must be at most 256 bytes"),
            (#"{"name":"x",\#(valid),"startdate":"0000-06-01T00:00:00Z"}"#, 400, "invalid_value", "startdate", "outside years 0001-9999"),
            (#"{"name":"x","frequency":"5m","script":"\#(String(repeating: "s", count: 65537))"}"#, 400, "invalid_value", "script", "got 65537"),
        ]
        for (body, status, code, field, fragment) in cases {
            let response = try client.request("POST", "/jobs", json: body)
            XCTAssertEqual(response.status, status, body)
            XCTAssertEqual(response.error["code"] as? String, code, body)
            XCTAssertEqual(response.error["field"] as? String, field, body)
            XCTAssertTrue((response.error["message"] as? String ?? "").contains(fragment), "\(body): \(response.bodyText)")
        }
        XCTAssertEqual(try database.query("SELECT count(*) FROM job"), "0", "nothing invalid was written")
    }

    func testExactErrorBody() throws {
        let response = try client.request("POST", "/jobs", json: #"{"name":"x","frequency":"*/5 25 * * *","script":"true"}"#)
        XCTAssertEqual(response.bodyText, #"{"error":{"code":"invalid_value","field":"frequency","message":"frequency: hour field: 25 is out of range 0-23"}}"#)
    }

    func testNonJSONBodyGets415() throws {
        let response = try client.request("POST", "/jobs", json: "name=x", headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(response.status, 415)
        XCTAssertEqual(response.error["code"] as? String, "unsupported_media_type")
    }

    func testPatchIsRevalidatedAsAWhole() throws {
        let id = try XCTUnwrap(client.request("POST", "/jobs", json: #"{"name":"p","frequency":"5m","script":"true","repeat":false}"#).object["id"] as? Int)
        let response = try client.request("PATCH", "/jobs/\(id)", json: #"{"frequency":0,"repeat":true}"#)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.error["field"] as? String, "frequency")
        XCTAssertEqual(try client.request("PATCH", "/jobs/\(id)", json: #"{"frequency":0}"#).status, 200, "0 without repeat means once")
        XCTAssertEqual(try client.request("PATCH", "/jobs/\(id)", json: #"{"version":9}"#).error["code"] as? String, "read_only_field")
        XCTAssertEqual(try client.request("GET", "/jobs/abc").error["field"] as? String, "id")
    }

    func testBulkSubmitIsAllOrNothing() throws {
        let bad = try client.request("POST", "/jobs", json: #"[{"name":"b1","frequency":"5m","script":"true"},{"name":"","frequency":"5m","script":"true"}]"#)
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.error["field"] as? String, "[1].name")
        XCTAssertEqual(try database.query("SELECT count(*) FROM job"), "0")

        let items = (0..<50).map { #"{"name":"bulk-\#($0)","frequency":"\#($0 + 1)s","script":"echo \#($0)"}"# }
        let good = try client.request("POST", "/jobs", json: "[" + items.joined(separator: ",") + "]")
        XCTAssertEqual(good.status, 201, good.bodyText)
        XCTAssertEqual(good.objects.map { $0["name"] as? String }, (0..<50).map { "bulk-\($0)" })
        XCTAssertEqual(try database.query("SELECT count(*) FROM job"), "50")
        XCTAssertEqual(try client.request("POST", "/jobs", json: "[]").status, 400)
    }

    func testPaginationWithCursorAndNameFilter() throws {
        let items = (0..<25).map { _ in #"{"name":"page me","frequency":"5m","script":"true"}"# }
            + (0..<5).map { _ in #"{"name":"other","frequency":"5m","script":"true"}"# }
        XCTAssertEqual(try client.request("POST", "/jobs", json: "[" + items.joined(separator: ",") + "]").status, 201)
        var ids: [Int] = []
        var after = 0
        var pages = 0
        while true {
            let page = try client.request("GET", "/jobs?limit=10&name=page%20me&after=\(after)")
            XCTAssertEqual(page.status, 200)
            let jobs = page.object["jobs"] as? [[String: Any]] ?? []
            ids += jobs.compactMap { $0["id"] as? Int }
            XCTAssertTrue(jobs.allSatisfy { $0["name"] as? String == "page me" })
            pages += 1
            guard let next = page.object["next_after"] as? Int else { break }
            after = next
        }
        XCTAssertEqual(ids.count, 25)
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(pages, 3)
        XCTAssertEqual((try client.request("GET", "/jobs").object["jobs"] as? [Any])?.count, 30)
        XCTAssertEqual(try client.request("GET", "/jobs?limit=0").error["field"] as? String, "limit")
        XCTAssertEqual(try client.request("GET", "/jobs?limit=1001").status, 400)
        XCTAssertEqual(try client.request("GET", "/jobs?after=x").error["field"] as? String, "after")
    }

    func testReadyzReportsPostgres() throws {
        XCTAssertEqual(try client.request("GET", "/readyz").bodyText, #"{"status":"ready"}"#)
    }

    func testPostgresDownGives503WithRetryAfterAndRecoversWithoutRestart() throws {
        try services("pg-stop")
        defer { try? services("pg-start") }
        let down = try client.request("POST", "/jobs", json: #"{"name":"later","frequency":"5m","script":"true"}"#)
        XCTAssertEqual(down.status, 503, down.bodyText)
        XCTAssertEqual(down.header("Retry-After"), "1")
        XCTAssertEqual(down.error["code"] as? String, "store_unavailable")
        let ready = try client.request("GET", "/readyz")
        XCTAssertEqual(ready.status, 503)
        XCTAssertTrue((ready.error["message"] as? String ?? "").hasPrefix("postgres:"))
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200, "the node itself stays alive")

        try services("pg-start")
        let recovered = try waitUntil(timeout: 20) {
            try client.request("POST", "/jobs", json: #"{"name":"later","frequency":"5m","script":"true"}"#).status == 201
        }
        XCTAssertTrue(recovered)
        XCTAssertEqual(try database.query("SELECT count(*) FROM job WHERE name = 'later'"), "1", "the refused submission was not written")
    }
}

/// Waits until /readyz says PostgreSQL is reachable and migrated.
func waitForReady(_ server: ServerProcess, timeout: TimeInterval = 20) throws {
    let client = try RawClient(port: server.port)
    guard try waitUntil(timeout: timeout, { try client.request("GET", "/readyz").status == 200 }) else {
        throw TestFailure("dsched never became ready:\n\(server.log)")
    }
}
