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
        _ = try? redis(["EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", "0", name + ":*"])
    }

    /// Environment for a dsched process that should use this database, and a Redis key
    /// namespace of its own (the nodes of one test form one cluster).
    var environment: [String: String] { ["PGDATABASE": name].merging(redisKeys(prefix: name)) { $1 } }

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

/// The cluster's Redis key names under a prefix.
func redisKeys(prefix: String) -> [String: String] {
    ["PROCESS_STORE": "\(prefix):process_store", "JOB_STORE": "\(prefix):job_store",
     "JOB_PROCESSED": "\(prefix):job_processed", "CHANNEL": "\(prefix):channel"]
}

/// Runs a command with redis-cli against the Redis `make services` runs; returns its output.
@discardableResult
func redis(_ arguments: [String]) throws -> String {
    let environment = ProcessInfo.processInfo.environment
    let (status, output, errors) = try Subprocess.run("/usr/bin/redis-cli", [
        "-h", environment["REDISHOST"] ?? "127.0.0.1", "-p", environment["REDISPORT"] ?? "6379"] + arguments)
    guard status == 0 else { throw TestFailure("redis-cli failed: \(errors)") }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs scripts/services.sh with an argument (pg-stop, pg-start, ...).
func services(_ command: String) throws {
    let script = ServerProcess.packageRoot.appendingPathComponent("scripts/services.sh").path
    let (status, _, errors) = try Subprocess.run("/bin/bash", [script, command])
    guard status == 0 else { throw TestFailure("services.sh \(command) failed: \(errors)") }
}
