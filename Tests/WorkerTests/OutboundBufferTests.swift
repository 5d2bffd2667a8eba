// OutboundBuffer against a nonblocking pipe: bytes go out in order, whole or in part, and what
// the pipe cannot take waits in the buffer.
import EventLoop
import Glibc
import XCTest

final class OutboundBufferTests: XCTestCase {
    private var readEnd: Int32 = -1
    private var writeEnd: Int32 = -1

    override func setUpWithError() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SystemError(call: "pipe", errno: errno) }
        (readEnd, writeEnd) = (ends[0], ends[1])
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    override func tearDown() {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
        super.tearDown()
    }

    /// Everything the pipe holds now.
    private func drainPipe() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            guard count > 0 else { return bytes }
            bytes += chunk[..<count]
        }
    }

    func testAnEmptyBufferIsDrainedWithoutWriting() throws {
        var buffer = OutboundBuffer()
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(try buffer.write(to: writeEnd), .drained)
        XCTAssertEqual(drainPipe(), [])
    }

    func testWhatTheSocketTakesIsWrittenInOrderAndTheBufferEmpties() throws {
        var buffer = OutboundBuffer()
        buffer.append([1, 2, 3])
        buffer.append("abc".utf8)
        buffer.appendInPlace { $0.append(4) }
        XCTAssertEqual(buffer.count, 7)
        XCTAssertEqual(try buffer.write(to: writeEnd), .drained)
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(drainPipe(), [1, 2, 3, 97, 98, 99, 4])
    }

    func testWhatAFullPipeCannotTakeWaitsAndGoesOutLaterInOrder() throws {
        let sent = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var buffer = OutboundBuffer()
        buffer.append(sent)
        guard case .blocked(let written) = try buffer.write(to: writeEnd) else { return XCTFail("a pipe took 1 MB at once") }
        XCTAssertGreaterThan(written, 0)
        XCTAssertEqual(buffer.count, sent.count - written)
        // Still full: nothing goes out, nothing is lost.
        XCTAssertEqual(try buffer.write(to: writeEnd), .blocked(written: 0))
        // Bytes appended while blocked go after the waiting ones.
        buffer.append([7, 7, 7])
        var received: [UInt8] = []
        while true {
            received += drainPipe()
            if try buffer.write(to: writeEnd) == .drained { break }
        }
        received += drainPipe()
        XCTAssertEqual(received, sent + [7, 7, 7])
        XCTAssertTrue(buffer.isEmpty)
    }

    func testAWriteToAClosedPeerThrowsAndKeepsTheBytes() {
        signal(SIGPIPE, SIG_IGN)
        close(readEnd)
        readEnd = -1
        var buffer = OutboundBuffer()
        buffer.append([1, 2, 3])
        XCTAssertThrowsError(try buffer.write(to: writeEnd)) { error in
            XCTAssertEqual((error as? SystemError)?.errno, EPIPE)
        }
        XCTAssertEqual(buffer.count, 3)
    }
}
