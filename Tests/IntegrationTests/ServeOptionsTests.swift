// The seed's option names, in both flag forms and from the environment.
import Foundation
import XCTest

final class ServeOptionsTests: XCTestCase {
    func testPortFlagWithEqualsSign() throws {
        let port = try freePort()
        let server = try ServerProcess(arguments: ["--PORT=\(port)"])
        XCTAssertEqual(server.port, port)
        XCTAssertEqual(try RawClient(port: port).healthzStatus(), 200)
    }

    func testPortFlagWithSeparateValue() throws {
        let port = try freePort()
        let server = try ServerProcess(arguments: ["--PORT", "\(port)"])
        XCTAssertEqual(server.port, port)
    }

    func testPortFromTheEnvironment() throws {
        let port = try freePort()
        let server = try ServerProcess(environment: ["PORT": "\(port)"])
        XCTAssertEqual(server.port, port)
    }

    func testFlagWinsOverTheEnvironment() throws {
        let flagPort = try freePort()
        let server = try ServerProcess(arguments: ["--PORT=\(flagPort)"], environment: ["PORT": "1"])
        XCTAssertEqual(server.port, flagPort)
    }

    func testEverySeedNameIsAcceptedInBothForms() throws {
        let seedNames = ["PGHOST": "db.local", "PGPORT": "5433", "PGUSER": "u", "PGPASSWORD": "p", "PGDATABASE": "d",
                         "REDISHOST": "r.local", "REDISPORT": "6380", "CHANNEL": "c", "PROCESS_STORE": "ps",
                         "JOB_STORE": "js", "JOB_PROCESSED": "jp"]
        let equalsForm = seedNames.map { "--\($0.key)=\($0.value)" }
        let spacedForm = seedNames.flatMap { ["--\($0.key)", $0.value] }
        for arguments in [equalsForm, spacedForm] {
            let result = try Subprocess.run(ServerProcess.binary.path, ["serve", "--help"] + arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        }
    }

    func testHelpExplainsEachSeedOptionAndItsEnvironmentVariable() throws {
        // Help text wraps at the terminal width: compare with whitespace runs collapsed.
        let help = try Subprocess.run(ServerProcess.binary.path, ["serve", "--help"]).stdout
            .split(whereSeparator: \.isWhitespace).joined(separator: " ") + " "
        for name in ["PORT", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "REDISHOST", "REDISPORT",
                     "CHANNEL", "PROCESS_STORE", "JOB_STORE", "JOB_PROCESSED"] {
            XCTAssertTrue(help.contains("--\(name) "), "help lists --\(name)")
            XCTAssertTrue(help.contains("env \(name),"), "help names the environment variable \(name)")
        }
        XCTAssertTrue(help.contains("--host"))
    }

    func testAWorkerTimeoutThatIsNotASecondOrMoreIsRefusedNamingTheSetting() throws {
        for (arguments, variable, expected) in [
            (["--worker-timeout", "0.5"], nil, "DSCHED_WORKER_TIMEOUT must be at least 1 second"),
            (["--worker-timeout", "0"], nil, "DSCHED_WORKER_TIMEOUT must be a positive number of seconds"),
            ([], "soon", "DSCHED_WORKER_TIMEOUT=soon is not a number of seconds"),
        ] as [([String], String?, String)] {
            var environment = ProcessInfo.processInfo.environment
            environment["DSCHED_WORKER_TIMEOUT"] = variable
            let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve"] + arguments, environment: environment)
            XCTAssertNotEqual(status, 0, "\(arguments) \(variable ?? "")")
            XCTAssertTrue(message.contains(expected), message)
        }
    }

    func testABadEnvironmentValueIsAClearError() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = "eighty"
        let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve"], environment: environment)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(message.contains("PORT=eighty is not an integer"), message)
    }

    func testAMetricsPortEqualToTheAPIPortIsAClearErrorNamingBoth() throws {
        let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve", "--PORT", "18490", "--metrics-port", "18490"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(message.contains("DSCHED_METRICS_PORT (--metrics-port) must differ from PORT (--PORT): both are 18490"), message)
    }

    func testANodeLeaseOutsideOneSecondToADayIsAClearError() throws {
        for (flag, expected) in [("0.5", "DSCHED_NODE_LEASE must be 1 to 86400 seconds, got 0.5"),
                                 ("90000", "DSCHED_NODE_LEASE must be 1 to 86400 seconds, got 90000.0")] {
            let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve", "--node-lease", flag])
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(message.contains(expected), message)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["DSCHED_NODE_LEASE"] = "ten"
        let (status, _, message) = try Subprocess.run(ServerProcess.binary.path, ["serve"], environment: environment)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(message.contains("DSCHED_NODE_LEASE=ten is not a number of seconds"), message)
    }
}

extension RawClient {
    func healthzStatus() throws -> Int {
        try send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        return try readResponse().status
    }
}
