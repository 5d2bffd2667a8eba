// OpenAPIContractTests: the API contract, openapi/dsched.json. The node serves that very file
// at GET /openapi.json without a token; openapi-spec-validator finds it a valid OpenAPI 3.1
// document; and a bounded, seeded schemathesis run (Tests/Contract/contract.py: every check but
// use_after_free, for the reason it gives) against a live node with a token finds no 5xx and no
// answer the document does not describe.
// The Python tools come from the project's venv (.venv-tools, scripts/api-tools.sh).
import Foundation
import XCTest

final class OpenAPIContractTests: SingleNodeTestCase {
    private static let token = "contract-token"
    private static let root = ServerProcess.packageRoot
    private static let documentPath = root.appendingPathComponent("openapi/dsched.json").path

    /// A tool of the project's venv; a clear failure when scripts/api-tools.sh has not run.
    private func tool(_ name: String) throws -> String {
        let path = Self.root.appendingPathComponent(".venv-tools/bin/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/deps.sh (or scripts/api-tools.sh)")
        }
        return path
    }

    func testTheNodeServesTheRepositorysDocumentWithoutAToken() throws {
        try start(["--api-token", Self.token])
        let response = try client.request("GET", "/openapi.json")
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        let file = try XCTUnwrap(FileManager.default.contents(atPath: Self.documentPath))
        XCTAssertTrue(response.body == Array(file), "GET /openapi.json differs from openapi/dsched.json (rebuild?)")
        XCTAssertEqual(try client.request("GET", "/jobs").status, 401, "the other routes still need the token")
    }

    func testTheDocumentIsAValidOpenAPIDocument() throws {
        let (status, output, errors) = try Subprocess.run(try tool("openapi-spec-validator"), [Self.documentPath])
        XCTAssertEqual(status, 0, output + errors)
    }

    /// DSCHED_CONTRACT_EXAMPLES cases per operation and phase (default 10), seed
    /// DSCHED_CONTRACT_SEED (default 1): about a minute; a longer run raises the first.
    func testSchemathesisFindsNoFailureAgainstALiveNode() throws {
        let environment = ProcessInfo.processInfo.environment
        // Generated jobs fire and run-now runs their scripts: at most hourly, at most 5 s long,
        // two at once, as nobody when the node can choose a user.
        var options = ["--api-token", Self.token, "--min-frequency", "3600000", "--max-run-time", "5",
                       "--workers", "1", "--worker-concurrency", "2", "--max-waiting-per-job", "1"]
        if geteuid() == 0 {
            options += ["--run-as", "nobody", "--allowed-users", "nobody"]
        }
        try start(options)
        let (status, output, errors) = try Subprocess.run(try tool("python"), [
            Self.root.appendingPathComponent("Tests/Contract/contract.py").path,
            "http://127.0.0.1:\(server.port)", Self.token,
            environment["DSCHED_CONTRACT_EXAMPLES"] ?? "10", environment["DSCHED_CONTRACT_SEED"] ?? "1",
        ])
        XCTAssertEqual(status, 0, "schemathesis found failures:\n\(output)\n\(errors)")
        // The run's size and outcome, for the log (`N generated, N passed`).
        output.split(separator: "\n").filter { $0.contains(" generated") || $0.contains("=====") && $0.contains(" in ") }
            .forEach { print("schemathesis: \($0.trimmingCharacters(in: .whitespaces))") }
        XCTAssertTrue(server.isRunning, "the node died:\n\(server.log)")
    }
}
