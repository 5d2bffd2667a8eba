// TestDatabase: a fresh PostgreSQL database for one test, on the server `make services` runs,
// dropped afterwards; and psql for reading what dsched wrote.
import Foundation

final class TestDatabase {
    let name: String

    init() throws {
        name = "dsched_test_\(UInt32.random(in: 0...UInt32.max))"
        try psql("CREATE DATABASE \(name)", database: "postgres")
    }

    deinit {
        _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", database: "postgres")
    }

    /// Environment for a dsched process that should use this database.
    var environment: [String: String] { ["PGDATABASE": name] }

    /// Runs SQL with psql; returns unaligned, tuples-only output.
    @discardableResult
    func query(_ sql: String) throws -> String {
        try psql(sql, database: name)
    }
}

@discardableResult
func psql(_ sql: String, database: String) throws -> String {
    let (status, output, errors) = try Subprocess.run("/usr/bin/psql", ["-v", "ON_ERROR_STOP=1", "-qtA", "-d", database, "-c", sql])
    guard status == 0 else { throw TestFailure("psql failed: \(errors)") }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs scripts/services.sh with an argument (pg-stop, pg-start, ...).
func services(_ command: String) throws {
    let script = ServerProcess.packageRoot.appendingPathComponent("scripts/services.sh").path
    let (status, _, errors) = try Subprocess.run("/bin/bash", [script, command])
    guard status == 0 else { throw TestFailure("services.sh \(command) failed: \(errors)") }
}
