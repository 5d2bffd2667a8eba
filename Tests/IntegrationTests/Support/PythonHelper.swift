// PythonHelper: one of the tests' Python helpers (Support/*.py: faultproxy, hostileserver)
// started as a child for one test. Each prints "listening PORT PORT" once it listens; its
// output goes to a temporary file, which the owner may read, and goes with it.
import Foundation

final class PythonHelper {
    /// The two ports the helper listens on, in the order it printed them.
    let ports: (Int, Int)
    /// Everything the helper printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    private let child: Subprocess
    private let outputPath: String

    /// Starts Support/`name`.py with `arguments` and waits until it listens (at most 10 s).
    /// Throws TestFailure, with what it printed, when it exits or stays silent.
    init(_ name: String, _ arguments: [String]) throws {
        outputPath = NSTemporaryDirectory() + "dsched-\(name)-\(UUID().uuidString).out"
        let script = ServerProcess.packageRoot.appendingPathComponent("Tests/IntegrationTests/Support/\(name).py").path
        child = try Subprocess.spawn("/usr/bin/env", ["python3", script] + arguments, outputPath: outputPath, killWithParent: true)
        let deadline = Date().addingTimeInterval(10)
        while true {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                let found = line.split(separator: " ").dropFirst().compactMap { Int($0) }
                if found.count == 2 {
                    ports = (found[0], found[1])
                    return
                }
            }
            guard Date() < deadline, child.isRunning else {
                child.kill()
                unlink(outputPath)
                throw TestFailure("\(name) did not start: \(text)")
            }
            usleep(20_000)
        }
    }

    deinit {
        child.kill()
        unlink(outputPath)
    }
}
