// HostileServer: Support/hostileserver.py started for one test: an HTTP server that answers
// the CLI with redirects, endless bodies or cursors that never advance, and a witness port
// that records whether anything (a followed redirect) reached it.
import Foundation

final class HostileServer {
    /// Where the CLI is pointed.
    let port: Int
    /// The redirect target; nothing may ever connect to it.
    let witnessPort: Int
    private let child: Subprocess
    private let outputPath: String

    /// Starts the server in `mode` (see hostileserver.py) and waits until it listens.
    init(mode: String) throws {
        outputPath = NSTemporaryDirectory() + "dsched-hostile-\(UUID().uuidString).out"
        let script = ServerProcess.packageRoot.appendingPathComponent("Tests/IntegrationTests/Support/hostileserver.py").path
        child = try Subprocess.spawn("/usr/bin/env", ["python3", script, mode], outputPath: outputPath, killWithParent: true)
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
                throw TestFailure("hostileserver did not start: \(text)")
            }
            usleep(20_000)
        }
        port = ports[0]
        witnessPort = ports[1]
    }

    deinit {
        child.kill()
        unlink(outputPath)
    }

    /// The request heads that reached the witness port.
    var witnessed: [String] {
        ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.hasPrefix("witness ") }.map(String.init)
    }
}
