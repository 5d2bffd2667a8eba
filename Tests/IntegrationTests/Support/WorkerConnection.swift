// WorkerConnection: a real `dsched worker` on a socketpair, and the test's end of it — what a
// master would hold. The test speaks frames with blocking reads that time out, so a worker
// that says nothing fails the test instead of hanging it.
import Foundation
import Worker

final class WorkerConnection {
    let logURL: URL
    private let child: Subprocess
    /// The test's end of the socketpair; -1 once closed.
    private var fd: Int32
    private var decoder = FrameDecoder()
    /// Everything the worker said, in order.
    private(set) var received: [WorkerMessage] = []

    /// Starts `dsched worker --fd 3 <arguments>`; its log goes to a file of its own.
    /// `viaShell` puts a /bin/sh between the test and the worker, as the worker's parent, so
    /// that a test can kill the worker's parent without closing the channel.
    init(arguments: [String] = [], environment: [String: String] = [:], viaShell: Bool = false) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-worker-\(UUID().uuidString).log")
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw TestFailure("socketpair failed: errno \(errno)")
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        do {
            let command = [ServerProcess.binary.path, "worker", "--fd", "3"] + arguments
            child = viaShell
                ? try Subprocess.spawn("/bin/sh", ["-c", #""$@" & wait"#, "sh"] + command, environment: env,
                                       outputPath: logURL.path, inheritedFD: pair[1])
                : try Subprocess.spawn(command[0], Array(command.dropFirst()), environment: env,
                                       outputPath: logURL.path, inheritedFD: pair[1])
        } catch {
            close(pair[0])
            close(pair[1])
            throw error
        }
        close(pair[1])
        fd = pair[0]
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        if fd >= 0 { close(fd) }
        child.kill()
        try? FileManager.default.removeItem(at: logURL)
    }

    var pid: pid_t { child.pid }
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func send(_ message: WorkerMessage) throws {
        try sendBytes(try message.frame().encoded())
    }

    func sendBytes(_ bytes: [UInt8]) throws {
        try sendAll(bytes, to: fd)
    }

    /// Asks the worker to run `script` as run `runID` of job `runID + 1000`.
    func run(_ runID: Int64, _ script: String, timeoutMilliseconds: Int64? = nil, outputLimit: Int = 65536) throws {
        try send(.run(WorkerMessage.RunRequest(
            runID: runID, jobID: runID + 1000, jobName: "job \(runID)", attempt: 1, scheduledAt: "2026-01-01T00:00:00Z",
            script: script, timeoutMilliseconds: timeoutMilliseconds, outputLimit: outputLimit)))
    }

    /// The first message (received so far or arriving within `timeout`) that `matches`.
    @discardableResult
    func waitFor(timeout: TimeInterval = 10, _ what: String, _ matches: (WorkerMessage) -> Bool) throws -> WorkerMessage {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let message = received.first(where: matches) { return message }
            guard Date() < deadline else {
                throw TestFailure("no \(what) from the worker within \(timeout) s; received \(received)\nworker log:\n\(log)")
            }
            try receive()
        }
    }

    func started(_ runID: Int64, timeout: TimeInterval = 10) throws -> (pid: Int32, at: Int64) {
        let message = try waitFor(timeout: timeout, "started of run \(runID)") {
            if case .started(runID, _, _) = $0 { return true }
            return false
        }
        guard case .started(_, let pid, let at) = message else { preconditionFailure("matched a started message") }
        return (pid, at)
    }

    func finished(_ runID: Int64, timeout: TimeInterval = 10) throws -> WorkerMessage.RunResult {
        let message = try waitFor(timeout: timeout, "finished of run \(runID)") {
            if case .finished(let result) = $0 { return result.runID == runID }
            return false
        }
        guard case .finished(let result) = message else { preconditionFailure("matched a finished message") }
        return result
    }

    /// Reads once (up to the 100 ms receive timeout) and decodes what arrived.
    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
        guard count > 0 else { throw TestFailure("the worker closed the channel (recv \(count), errno \(errno))\nworker log:\n\(log)") }
        decoder.append(chunk[..<count])
        while let frame = try decoder.next() {
            received.append(try WorkerMessage(frame: frame))
        }
    }

    /// Whether the worker closed the channel (it exited) within `timeout`.
    func channelCloses(within timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                try receive()
            } catch {
                return true
            }
        }
        return false
    }

    /// Closes the test's end: to the worker, the master is gone.
    func closeChannel() {
        close(fd)
        fd = -1
    }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// Waits for the worker to exit; its exit code (or 128 + signal), or nil on timeout.
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        child.wait(timeout: timeout)
    }
}
