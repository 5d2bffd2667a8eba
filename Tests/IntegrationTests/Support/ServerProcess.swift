// ServerProcess: the real `dsched serve` binary, started for a test and killed after it.
import Foundation
import XCTest

final class ServerProcess {
    let logURL: URL
    private(set) var child: Subprocess!
    private(set) var port = 0

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["DSCHED_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".build/debug/dsched")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Starts `dsched serve` with `arguments` (adding `--PORT 0` unless a port is given by flag or
    /// environment) and waits until it listens.
    init(arguments: [String] = [], environment: [String: String] = [:], waitForListening: Bool = true) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-test-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        var arguments = arguments
        if !arguments.contains(where: { $0.hasPrefix("--PORT") }) && environment["PORT"] == nil {
            arguments += ["--PORT", "0"]
        }
        var env = ProcessInfo.processInfo.environment
        env["PORT"] = nil
        env.merge(environment) { $1 }
        if env["PROCESS_STORE"] == nil {
            // A node of no test cluster: a Redis namespace of its own.
            env.merge(redisKeys(prefix: "dsched_test_node_\(UInt32.random(in: 0...UInt32.max))")) { $1 }
        }
        child = try Subprocess.spawn(Self.binary.path, ["serve"] + arguments, environment: env,
                                     outputPath: logURL.path, killWithParent: true)
        if waitForListening {
            port = try waitForLog(containing: "node listening").flatMap(Self.listeningPort) ?? 0
        }
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(at: logURL)
    }

    var pid: pid_t { child.pid }

    var isRunning: Bool { child.isRunning }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits for a log line containing `text`; returns that line.
    @discardableResult
    func waitForLog(containing text: String, timeout: TimeInterval = 15) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) {
                return String(line)
            }
            if !isRunning {
                throw TestFailure("dsched exited (\(child.exitStatus ?? -1)) before logging \"\(text)\":\n\(log)")
            }
            usleep(20_000)
        }
        throw TestFailure("dsched did not log \"\(text)\" within \(timeout) s:\n\(log)")
    }

    private static func listeningPort(_ line: String) -> Int? {
        guard let range = line.range(of: "port=") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// Waits for the process to exit; returns its status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 15) -> Int32? {
        child.wait(timeout: timeout)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A port that was free a moment ago (bound to 0, read, closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw TestFailure("no free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
