// JobValidator on its own, without sockets: each field's accepted and refused values, the
// error that names the field, and what the table of fields derives (unknown fields, PATCH).
import XCTest
@testable import Server

final class JobValidatorTests: XCTestCase {
    /// 2027-01-15T08:00:00Z, the request's clock.
    private let now: Int64 = 1_800_000_000_000
    private let required = #""name":"n","frequency":"5m","script":"true""#

    private func json(_ text: String) -> JSONValue {
        try! JSONParser.parse(Array(text.utf8))
    }

    /// The draft a POST body with `members` (besides the required three) makes.
    private func created(_ members: String) throws -> JobDraft {
        try JobValidator(now: now).create(json("{\(required)\(members.isEmpty ? "" : ",")\(members)}"))
    }

    /// The refusal of a POST body with `members` overriding the required three; nil if accepted.
    private func refusal(_ members: String) -> APIError? {
        var object = ["name": JSONValue.string("n"), "frequency": .string("5m"), "script": .string("true")]
        if case .object(let extra) = json("{\(members)}") { object.merge(extra) { $1 } }
        do {
            _ = try JobValidator(now: now).create(.object(object))
            return nil
        } catch {
            return error
        }
    }

    private func assertRefused(_ members: String, _ code: String, _ field: String, _ message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let error = refusal(members) else {
            return XCTFail("\(members) was accepted", file: file, line: line)
        }
        XCTAssertEqual(error.status, .badRequest, members, file: file, line: line)
        XCTAssertEqual(error.code, code, members, file: file, line: line)
        XCTAssertEqual(error.field, field, members, file: file, line: line)
        XCTAssertEqual(error.message, message, members, file: file, line: line)
    }

    func testDefaultsOfAJobWithOnlyTheRequiredFields() throws {
        let draft = try created("")
        XCTAssertEqual(draft, JobDraft(name: "n", frequency: "5m", startdate: now, script: "true"))
        XCTAssertEqual(draft.description, "")
        XCTAssertTrue(draft.repeats)
        XCTAssertEqual(draft.timezone, "UTC")
        XCTAssertNil(draft.timeoutMilliseconds)
        XCTAssertEqual(draft.retries, 0)
        XCTAssertEqual(draft.retryBackoffMilliseconds, 1000)
        XCTAssertEqual(draft.concurrency, .allow)
        XCTAssertEqual(draft.misfire, .runOnce)
        XCTAssertFalse(draft.paused)
    }

    func testRequiredFieldsAreNamedWhenMissingOrNull() {
        for field in ["name", "frequency", "script"] {
            let body = json("{\(required)}")
            guard case .object(var object) = body else { return XCTFail() }
            object[field] = nil
            XCTAssertThrowsError(try JobValidator(now: now).create(.object(object))) { error in
                XCTAssertEqual(error as? APIError, APIError.invalid(field, "missing_field", "is required"))
            }
            object[field] = .null
            XCTAssertThrowsError(try JobValidator(now: now).create(.object(object))) { error in
                XCTAssertEqual((error as? APIError)?.field, field)
            }
        }
    }

    func testNameIsOneToTwoHundredCodePointsAndNotBlank() throws {
        XCTAssertEqual(try created(#""name":"x""#).name, "x")
        XCTAssertEqual(try created(#""name":"\#(String(repeating: "é", count: 200))""#).name.unicodeScalars.count, 200)
        XCTAssertEqual(try created(#""name":"  padded  ""#).name, "  padded  ", "kept as written")
        assertRefused(#""name":"""#, "invalid_value", "name", "name: must be 1-200 characters, got 0")
        assertRefused(#""name":"\#(String(repeating: "n", count: 201))""#, "invalid_value", "name", "name: must be 1-200 characters, got 201")
        assertRefused(#""name":"\#(String(repeating: "e\u{301}", count: 101))""#, "invalid_value", "name",
                      "name: must be 1-200 characters, got 202")
        for blank in [#"   "#, #"\t"#, #"\n\r\n"#, #" \t \n "#, #"\u00a0"#, #"\u3000\u2003"#] {
            assertRefused(#""name":"\#(blank)""#, "invalid_value", "name", "name: must not be blank")
        }
        assertRefused(#""name":"a\u0000b""#, "invalid_value", "name", "name: must not contain the NUL character")
        assertRefused(#""name":7"#, "wrong_type", "name", "name: must be a string, got a number")
        assertRefused(#""name":["x"]"#, "wrong_type", "name", "name: must be a string, got an array")
    }

    func testDescriptionMayBeEmptyOrBlankAndNullResetsIt() throws {
        XCTAssertEqual(try created(#""description":"nightly""#).description, "nightly")
        XCTAssertEqual(try created(#""description":"   ""#).description, "   ")
        XCTAssertEqual(try created(#""description":null"#).description, "")
        XCTAssertEqual(try created(#""description":"\#(String(repeating: "d", count: 10_000))""#).description.count, 10_000)
        assertRefused(#""description":"\#(String(repeating: "d", count: 10_001))""#, "invalid_value", "description",
                      "description: must be at most 10000 characters, got 10001")
        assertRefused(#""description":false"#, "wrong_type", "description", "description: must be a string, got a boolean")
        assertRefused(#""description":"\u0000""#, "invalid_value", "description", "description: must not contain the NUL character")
    }

    func testFrequencyIsMillisecondsOrScheduleText() throws {
        XCTAssertEqual(try created(#""frequency":60000"#).frequency, "60000")
        XCTAssertEqual(try created(#""frequency":"0 9 * * Sat-Sun""#).frequency, "0 9 * * Sat-Sun")
        XCTAssertEqual(try created(#""frequency":"@every 10m""#).frequency, "@every 10m")
        XCTAssertEqual(try created(#""frequency":0,"repeat":false"#).frequency, "0")
        assertRefused(#""frequency":-5"#, "invalid_value", "frequency", "frequency: must not be negative, got -5")
        assertRefused(#""frequency":1.5"#, "wrong_type", "frequency",
                      "frequency: must be a string (duration or cron) or an integer of milliseconds, got a number")
        assertRefused(#""frequency":true"#, "wrong_type", "frequency",
                      "frequency: must be a string (duration or cron) or an integer of milliseconds, got a boolean")
        assertRefused(#""frequency":"\#(String(repeating: " ", count: 300))5m""#, "invalid_value", "frequency",
                      "frequency: must be at most 256 bytes, got 302")
        assertRefused(#""frequency":"61 * * * *""#, "invalid_value", "frequency", "frequency: minute field: 61 is out of range 0-59")
        assertRefused(#""frequency":"   ""#, "invalid_value", "frequency",
                      #"frequency: frequency field: "" is not a valid value; allowed milliseconds, a duration (30s, 1h30m, PT5M) or a cron expression"#)
        assertRefused(#""frequency":0"#, "invalid_value", "frequency",
                      "frequency: frequency field: 0 with repeat true never advances; allowed a positive period, or repeat false")
    }

    func testStartdateIsRFC3339InYearsOneToNineThousandNineHundredNinetyNine() throws {
        XCTAssertEqual(try created(#""startdate":"2030-01-02T03:04:05.678Z""#).startdate, 1_893_553_445_678)
        XCTAssertEqual(try created(#""startdate":"2030-01-02T04:04:05+01:00""#).startdate, 1_893_553_445_000)
        XCTAssertEqual(try created(#""startdate":null"#).startdate, now)
        assertRefused(#""startdate":"yesterday""#, "invalid_value", "startdate",
                      #"startdate: "yesterday" is not an RFC 3339 timestamp (e.g. 2026-03-29T01:00:00Z)"#)
        assertRefused(#""startdate":"0000-06-01T00:00:00Z""#, "invalid_value", "startdate",
                      #"startdate: "0000-06-01T00:00:00Z" is outside years 0001-9999"#)
        assertRefused(#""startdate":1700000000000"#, "wrong_type", "startdate", "startdate: must be a string, got a number")
    }

    func testAScheduleWithNoTickBeforeTheEndOfYear9999IsRefused() throws {
        XCTAssertEqual(try created(#""frequency":"1s","startdate":"9999-12-31T23:59:58.999Z""#).frequency, "1s", "its one tick is the last instant")
        XCTAssertNotNil(try created(#""frequency":0,"repeat":false,"startdate":"9999-12-31T23:59:59.999Z""#))
        let message = "startdate: the schedule has no tick after it: ticks end at 9999-12-31T23:59:59.999Z"
        assertRefused(#""frequency":"1s","startdate":"9999-12-31T23:59:59Z""#, "invalid_value", "startdate", message)
        assertRefused(#""frequency":"@yearly","startdate":"9999-06-01T00:00:00Z""#, "invalid_value", "startdate", message)
    }

    func testScriptIsOneByteToSixtyFourKiBAndNotBlank() throws {
        XCTAssertEqual(try created(#""script":"echo 'a; b' && true""#).script, "echo 'a; b' && true")
        XCTAssertEqual(try created(#""script":"\#(String(repeating: "s", count: 65_536))""#).script.utf8.count, 65_536)
        XCTAssertEqual(try created(#""script":"\n  true\n""#).script, "\n  true\n")
        assertRefused(#""script":"""#, "invalid_value", "script", "script: must be 1-65536 bytes, got 0")
        assertRefused(#""script":"\#(String(repeating: "é", count: 32_769))""#, "invalid_value", "script", "script: must be 1-65536 bytes, got 65538")
        assertRefused(#""script":" \n\t ""#, "invalid_value", "script", "script: must not be blank")
        assertRefused(#""script":"a\u0000""#, "invalid_value", "script", "script: must not contain the NUL character")
        assertRefused(#""script":{}"#, "wrong_type", "script", "script: must be a string, got an object")
    }

    func testRepeatAndPausedAreBooleans() throws {
        XCTAssertFalse(try created(#""repeat":false"#).repeats)
        XCTAssertTrue(try created(#""paused":true"#).paused)
        assertRefused(#""repeat":"yes""#, "wrong_type", "repeat", "repeat: must be a boolean, got a string")
        assertRefused(#""repeat":null"#, "wrong_type", "repeat", "repeat: must be a boolean, got null")
        assertRefused(#""paused":1"#, "wrong_type", "paused", "paused: must be a boolean, got a number")
    }

    func testTimezoneIsAnIANAName() throws {
        XCTAssertEqual(try created(#""timezone":"Europe/Paris""#).timezone, "Europe/Paris")
        assertRefused(#""timezone":"Mars/Olympus""#, "invalid_value", "timezone",
                      #"timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Paris)"#)
        assertRefused(#""timezone":"../../etc/passwd""#, "invalid_value", "timezone",
                      #"timezone: "../../etc/passwd" is not an IANA time zone (e.g. Europe/Paris)"#)
        assertRefused(#""timezone":null"#, "wrong_type", "timezone", "timezone: must be a string, got null")
    }

    func testTimeoutIsAPositiveDurationOrNull() throws {
        XCTAssertEqual(try created(#""timeout":"5m""#).timeoutMilliseconds, 300_000)
        XCTAssertEqual(try created(#""timeout":1500"#).timeoutMilliseconds, 1500)
        XCTAssertEqual(try created(#""timeout":"PT1H""#).timeoutMilliseconds, 3_600_000)
        XCTAssertNil(try created(#""timeout":null"#).timeoutMilliseconds)
        assertRefused(#""timeout":0"#, "invalid_value", "timeout", "timeout: must be positive (or null for no limit)")
        assertRefused(#""timeout":-1"#, "invalid_value", "timeout", "timeout: must not be negative, got -1")
        assertRefused(#""timeout":"soon""#, "invalid_value", "timeout", #"timeout: "soon" is not a duration (e.g. 30s, 5m, 1h30m, PT5M)"#)
        assertRefused(#""timeout":2.5"#, "wrong_type", "timeout", "timeout: must be an integer of milliseconds or a duration string, got a number")
    }

    func testRetriesAreZeroToOneHundredAndBackoffADuration() throws {
        XCTAssertEqual(try created(#""retries":0"#).retries, 0)
        XCTAssertEqual(try created(#""retries":100"#).retries, 100)
        XCTAssertEqual(try created(#""retry_backoff":"30s""#).retryBackoffMilliseconds, 30_000)
        XCTAssertEqual(try created(#""retry_backoff":0"#).retryBackoffMilliseconds, 0)
        assertRefused(#""retries":101"#, "invalid_value", "retries", "retries: must be 0-100, got 101")
        assertRefused(#""retries":-1"#, "invalid_value", "retries", "retries: must be 0-100, got -1")
        assertRefused(#""retries":1.5"#, "wrong_type", "retries", "retries: must be an integer, got a number")
        assertRefused(#""retries":"2""#, "wrong_type", "retries", "retries: must be an integer, got a string")
        assertRefused(#""retry_backoff":-5"#, "invalid_value", "retry_backoff", "retry_backoff: must not be negative, got -5")
        assertRefused(#""retry_backoff":"later""#, "invalid_value", "retry_backoff",
                      #"retry_backoff: "later" is not a duration (e.g. 30s, 5m, 1h30m, PT5M)"#)
    }

    func testConcurrencyAndMisfireAreOneOfTheirPolicies() throws {
        XCTAssertEqual(try created(#""concurrency":"forbid""#).concurrency, .forbid)
        XCTAssertEqual(try created(#""concurrency":"replace""#).concurrency, .replace)
        XCTAssertEqual(try created(#""misfire":"run_all""#).misfire, .runAll)
        XCTAssertEqual(try created(#""misfire":"skip""#).misfire, .skip)
        assertRefused(#""concurrency":"sometimes""#, "invalid_value", "concurrency",
                      #"concurrency: "sometimes" is not one of allow, forbid, replace"#)
        assertRefused(#""concurrency":"Allow""#, "invalid_value", "concurrency", #"concurrency: "Allow" is not one of allow, forbid, replace"#)
        assertRefused(#""misfire":"never""#, "invalid_value", "misfire", #"misfire: "never" is not one of run_once, skip, run_all"#)
        assertRefused(#""misfire":0"#, "wrong_type", "misfire", "misfire: must be a string, got a number")
    }

    func testUnknownAndReadOnlyFieldsAreRefusedByName() {
        assertRefused(#""colour":"red""#, "unknown_field", "colour",
                      "colour: is not a job field; known fields: concurrency, description, frequency, keep_runs, max_concurrency, max_cpu, "
                        + "max_memory, misfire, name, paused, repeat, retries, retry_backoff, run_as, script, startdate, "
                        + "timeout, timezone")
        for field in ["id", "created_at", "updated_at", "version", "next_run_at", "done", "last_run", "missed_ticks_24h"] {
            assertRefused(#""\#(field)":1"#, "read_only_field", field, "\(field): is set by the server and cannot be written")
        }
    }

    func testTheWritableFieldsAreTheTablesRowsOnceEach() {
        XCTAssertEqual(JobValidator.writableFields, ["concurrency", "description", "frequency", "keep_runs", "max_concurrency", "max_cpu",
                                                     "max_memory", "misfire", "name", "paused", "repeat", "retries", "retry_backoff", "run_as", "script", "startdate",
                                                     "timeout", "timezone"])
        XCTAssertTrue(JobValidator.readOnlyFields.isDisjoint(with: JobValidator.writableFields))
    }

    func testTheFirstBadFieldInNameOrderIsReported() {
        XCTAssertEqual(refusal(#""timeout":0,"retries":-1,"name":"""#)?.field, "name")
        XCTAssertEqual(refusal(#""timeout":0,"retries":-1"#)?.field, "retries")
    }

    func testFieldsInsideAnArrayAreNamedWithTheirIndex() {
        XCTAssertThrowsError(try JobValidator(now: now).create(json(#"{"name":" ","frequency":"5m","script":"true"}"#), prefix: "[3].")) { error in
            XCTAssertEqual(error as? APIError, APIError.invalid("[3].name", "invalid_value", "must not be blank"))
        }
        XCTAssertThrowsError(try JobValidator(now: now).create(json("[]"), prefix: "[2].")) { error in
            XCTAssertEqual(error as? APIError, APIError(.badRequest, "invalid_body", "[2] must be a JSON object, got an array", field: "[2]"))
        }
    }

    func testPatchAppliesOnlyTheGivenFieldsAndRevalidatesTheWhole() throws {
        var current = JobDraft(name: "backup", frequency: "5m", startdate: 0, script: "true")
        current.description = "nightly"
        current.timeoutMilliseconds = 1000
        current.repeats = false
        let validator = JobValidator(now: now)
        let patched = try validator.patch(current, with: json(#"{"frequency":0,"description":null,"timeout":null}"#))
        XCTAssertEqual(patched.frequency, "0")
        XCTAssertEqual(patched.description, "")
        XCTAssertNil(patched.timeoutMilliseconds)
        XCTAssertEqual(patched.name, "backup", "fields not in the PATCH are kept")
        XCTAssertEqual(try validator.patch(current, with: json(#"{"startdate":null}"#)).startdate, now)
        XCTAssertEqual(try validator.patch(current, with: json("{}")), current)
        XCTAssertThrowsError(try validator.patch(current, with: json(#"{"repeat":true,"frequency":0}"#))) { error in
            XCTAssertEqual((error as? APIError)?.field, "frequency")
        }
        XCTAssertThrowsError(try validator.patch(current, with: json(#"{"name":"\t\n"}"#))) { error in
            XCTAssertEqual(error as? APIError, APIError.invalid("name", "invalid_value", "must not be blank"))
        }
        XCTAssertThrowsError(try validator.patch(current, with: json(#"{"script":"  "}"#))) { error in
            XCTAssertEqual(error as? APIError, APIError.invalid("script", "invalid_value", "must not be blank"))
        }
        XCTAssertThrowsError(try validator.patch(current, with: json(#"{"version":3}"#))) { error in
            XCTAssertEqual((error as? APIError)?.code, "read_only_field")
        }
        XCTAssertThrowsError(try validator.patch(current, with: json(#"["x"]"#))) { error in
            XCTAssertEqual(error as? APIError, APIError(.badRequest, "invalid_body", "the body must be a JSON object, got an array"))
        }
    }
}
