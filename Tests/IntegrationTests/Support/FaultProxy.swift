// FaultProxy: a TCP proxy between a node and PostgreSQL or Redis that makes network faults
// happen on command (Support/faultproxy.py: partitions, resets, latency, a PostgreSQL reply
// lost after COMMIT). Tests point a node's PGHOST/PGPORT or REDISHOST/REDISPORT at `port`.
import Foundation

final class FaultProxy {
    /// Where clients connect.
    let port: Int
    private let child: Subprocess
    private let control: RawClient
    private let outputPath: String

    /// Starts a proxy to `host`:`targetPort` and waits until it listens.
    init(targetHost: String = "127.0.0.1", targetPort: Int) throws {
        outputPath = NSTemporaryDirectory() + "dsched-faultproxy-\(UUID().uuidString).out"
        let script = ServerProcess.packageRoot.appendingPathComponent("Tests/IntegrationTests/Support/faultproxy.py").path
        child = try Subprocess.spawn("/usr/bin/env", ["python3", script, targetHost, String(targetPort)],
                                     outputPath: outputPath, killWithParent: true)
        let deadline = Date().addingTimeInterval(10)
        var ports: [Int] = []
        while ports.count != 2 {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                ports = line.split(separator: " ").dropFirst().compactMap { Int($0) }
                break
            }
            guard Date() < deadline, child.isRunning else {
                child.kill()
                throw TestFailure("faultproxy did not start: \(text)")
            }
            usleep(20_000)
        }
        port = ports[0]
        control = try RawClient(port: ports[1])
    }

    deinit {
        child.kill()
        unlink(outputPath)
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
