// What the CLI sends: job bodies from flags, JSON and YAML files; the server's address; and
// how a refusal is read and which exit code each failure gets.
import Client
import Foundation
import XCTest

final class RequestTests: XCTestCase {
    func testFlagsBecomeTheAPIFieldsWithTheirTypes() throws {
        let options = try JobFieldOptions.parse([
            "--name", "backup", "--schedule", "0 3 * * *", "--script", "pg_dump db", "--timezone", "Europe/Paris",
            "--timeout", "10m", "--retries", "2", "--no-repeat", "--paused", "--max-memory", "16777216", "--unset", "description",
        ])
        XCTAssertEqual(try options.body(file: nil, allowsArray: true), .object([
            "name": .string("backup"), "frequency": .string("0 3 * * *"), "script": .string("pg_dump db"),
            "timezone": .string("Europe/Paris"), "timeout": .string("10m"), "retries": .integer(2), "repeat": .bool(false),
            "paused": .bool(true), "max_memory": .integer(16_777_216), "description": .null,
        ]))
    }

    func testOnlyTheFlagsGivenAreSentSoAnEditPatchesJustThose() throws {
        let options = try JobFieldOptions.parse(["--schedule", "5s"])
        XCTAssertEqual(try options.body(file: nil, allowsArray: false), .object(["frequency": .string("5s")]))
    }

    func testNoFieldsAtAllIsAUsageError() throws {
        XCTAssertThrowsError(try JobFieldOptions.parse([]).body(file: nil, allowsArray: true)) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 2)
        }
    }

    func testFlagsOverrideTheFilesFields() throws {
        let file = BodyValue.object(["name": .string("from-file"), "script": .string("true")])
        let body = try JobFieldOptions.parse(["--name", "from-flag"]).body(file: file, allowsArray: true)
        XCTAssertEqual(body, .object(["name": .string("from-flag"), "script": .string("true")]))
    }

    func testAnArrayFileIsSentWholeTakesNoFlagsAndIsRefusedForAnEdit() throws {
        let file = BodyValue.array([.object(["name": .string("a")])])
        XCTAssertEqual(try JobFieldOptions.parse([]).body(file: file, allowsArray: true), file)
        XCTAssertThrowsError(try JobFieldOptions.parse(["--name", "b"]).body(file: file, allowsArray: true))
        XCTAssertThrowsError(try JobFieldOptions.parse([]).body(file: file, allowsArray: false))
    }

    func testYAMLUsesTheCoreSchemaSoTimesAndYesNoStayStrings() throws {
        let yaml = """
            name: no
            frequency: "*/5 * * * *"
            startdate: 2026-03-29T01:00:00Z
            retries: 2
            repeat: false
            timeout: ~
            script: |
              echo one
              echo two
            """
        XCTAssertEqual(try JobFile.yaml(yaml, path: "job.yaml"), .object([
            "name": .string("no"), "frequency": .string("*/5 * * * *"), "startdate": .string("2026-03-29T01:00:00Z"),
            "retries": .integer(2), "repeat": .bool(false), "timeout": .null, "script": .string("echo one\necho two"),
        ]))
    }

    func testAQuotedNumberInYAMLStaysAString() throws {
        XCTAssertEqual(try JobFile.yaml("frequency: \"60000\"\nretries: 3", path: "job.yaml"),
                       .object(["frequency": .string("60000"), "retries": .integer(3)]))
    }

    func testBadYAMLAndBadJSONAreUsageErrors() {
        for (text, isJSON) in [("name: [unclosed", false), ("*/5 * * * *", false), ("{\"name\":", true)] {
            XCTAssertThrowsError(try isJSON ? JobFile.json(text, path: "f") : JobFile.yaml(text, path: "f"), text) { error in
                XCTAssertEqual((error as? ClientError)?.exitCode, 2, text)
            }
        }
    }

    func testJSONFileKeepsIntegersBooleansAndArrays() throws {
        XCTAssertEqual(try JobFile.json(#"[{"frequency":60000,"repeat":true,"name":"a"}]"#, path: "jobs.json"),
                       .array([.object(["frequency": .integer(60000), "repeat": .bool(true), "name": .string("a")])]))
    }

    func testAnUnreadableFileIsAUsageError() {
        XCTAssertThrowsError(try JobFile.read("/nonexistent/job.yaml")) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 2)
        }
    }

    func testBodiesAreWrittenWithSortedKeys() {
        let body = BodyValue.object(["b": .integer(1), "a": .array([.null, .bool(true), .string("x/y")])])
        XCTAssertEqual(String(decoding: body.jsonData(), as: UTF8.self), #"{"a":[null,true,"x/y"],"b":1}"#)
    }

    func testServerAddressKeepsAPathPrefixAndEncodesQueryPlusSigns() throws {
        let address = try ServerAddress("https://ops.example/dsched/")
        XCTAssertEqual(address.url("/jobs", query: [("name", "a+b c")]).absoluteString, "https://ops.example/dsched/jobs?name=a%2Bb%20c")
        for bad in ["127.0.0.1:8080", "ftp://host", "http://", "http://host/?q=1"] {
            XCTAssertThrowsError(try ServerAddress(bad), bad) { error in
                XCTAssertEqual((error as? ClientError)?.exitCode, 2, bad)
            }
        }
    }

    func testARefusalReadsTheErrorBodysCodeFieldAndMessage() {
        let refusal = ServerRefusal(status: 400, body: Data(#"{"error":{"code":"invalid_value","field":"frequency","message":"frequency: bad"}}"#.utf8))
        XCTAssertEqual(refusal, ServerRefusal(status: 400, code: "invalid_value", field: "frequency", message: "frequency: bad"))
        XCTAssertEqual(ClientError.refused(refusal).message, "error: HTTP 400 invalid_value (field frequency): frequency: bad")
        XCTAssertEqual(ClientError.refused(refusal).exitCode, 1)
        let proxy = ServerRefusal(status: 502, body: Data("<html>Bad Gateway</html>".utf8))
        XCTAssertEqual(proxy.description, "HTTP 502: <html>Bad Gateway</html>")
    }
}
