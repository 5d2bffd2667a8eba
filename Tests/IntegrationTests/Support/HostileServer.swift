// HostileServer: Support/hostileserver.py started for one test: an HTTP server that answers
// the CLI with redirects, endless bodies or cursors that never advance, and a witness port
// that records whether anything (a followed redirect) reached it.
import Foundation

final class HostileServer {
    /// Where the CLI is pointed.
    let port: Int
    /// The redirect target; nothing may ever connect to it.
    let witnessPort: Int
    private let helper: PythonHelper

    /// Starts the server in `mode` (see hostileserver.py) and waits until it listens.
    init(mode: String) throws {
        helper = try PythonHelper("hostileserver", [mode])
        port = helper.ports.0
        witnessPort = helper.ports.1
    }

    /// The request heads that reached the witness port.
    var witnessed: [String] {
        helper.output.split(separator: "\n").filter { $0.hasPrefix("witness ") }.map(String.init)
    }
}
