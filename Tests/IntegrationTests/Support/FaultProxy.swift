// FaultProxy: a TCP proxy between a node and PostgreSQL or Redis that makes network faults
// happen on command (Support/faultproxy.py: partitions, resets, latency, a PostgreSQL reply
// lost after COMMIT). Tests point a node's PGHOST/PGPORT or REDISHOST/REDISPORT at `port`.
import Foundation

final class FaultProxy {
    /// Where clients connect.
    let port: Int
    private let helper: PythonHelper
    private let control: RawClient

    /// Starts a proxy to `host`:`targetPort` and waits until it listens.
    init(targetHost: String = "127.0.0.1", targetPort: Int) throws {
        helper = try PythonHelper("faultproxy", [targetHost, String(targetPort)])
        port = helper.ports.0
        control = try RawClient(port: helper.ports.1)
    }

    /// Sends one command (see faultproxy.py) and returns its answer once in effect.
    @discardableResult
    func command(_ line: String) throws -> String {
        try control.send(line + "\n")
        let answer = try control.readLine()
        guard answer.hasPrefix("ok") else { throw TestFailure("faultproxy \(line): \(answer)") }
        return answer
    }

    /// How many replies `cut-after` has cut so far.
    func cuts() throws -> Int {
        Int(try command("cuts").split(separator: " ").last ?? "") ?? 0
    }
}
