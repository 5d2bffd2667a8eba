// The binary layout of the master↔worker messages: exact bytes, round trips at the edges of
// every field, and rejection (a typed error, never a crash) of payloads that do not fit it.
import XCTest
@testable import Worker

final class WorkerMessageCodecTests: XCTestCase {
    private let extremes: [WorkerMessage] = [
        .run(WorkerMessage.RunRequest(runID: Int64.min, jobID: Int64.max, jobName: "ü\u{0}\u{1F600}", attempt: Int.max,
                                      scheduledAt: "", script: String(repeating: "x", count: 70_000),
                                      timeoutMilliseconds: 0, outputLimit: -1, runAs: "nobody",
                                      maxMemoryBytes: Int64.max, maxCPUSeconds: Int64.min)),
        .run(WorkerMessage.RunRequest(runID: 0, jobID: -1, jobName: "", attempt: Int.min, scheduledAt: "t", script: "",
                                      timeoutMilliseconds: nil, outputLimit: Int.max)),
        .cancel(runID: Int64.min),
        .started(runID: -1, pid: Int32.max, startedAt: Int64.min),
        .finished(WorkerMessage.RunResult(
            runID: Int64.max, exitCode: Int32.min, signal: Int32.max, timedOut: true, cancelled: true, startedAt: 0,
            finishedAt: -1, output: "\u{0}\r\n\u{10FFFF}", outputTruncated: true, maxRSSKilobytes: Int.min,
            cpuUserMilliseconds: Int64.max, cpuSystemMilliseconds: Int64.min, error: "")),
        .finished(WorkerMessage.RunResult(
            runID: 1, exitCode: nil, signal: nil, timedOut: false, cancelled: false, startedAt: 1, finishedAt: 2,
            output: "", outputTruncated: false, maxRSSKilobytes: 0, cpuUserMilliseconds: 0, cpuSystemMilliseconds: 0,
            error: nil)),
        .stats(WorkerMessage.WorkerStats(rssKilobytes: Int.max, cpuMilliseconds: Int64.min, running: 0)),
        .stop,
        .ping,
        .pong,
    ]

    private func decoded(_ frame: Frame) throws -> WorkerMessage {
        try WorkerMessage(frame: frame)
    }

    func testEveryMessageRoundTripsWithTheExtremesOfEachField() throws {
        for message in extremes {
            XCTAssertEqual(try decoded(message.frame()), message)
        }
    }

    func testTheStopPingAndPongMessagesHaveKindsOfTheirOwnAndNoPayload() {
        for message in [WorkerMessage.stop, .ping, .pong] {
            let frame = message.frame()
            XCTAssertEqual(frame.payload, [], "\(message)")
            let others = extremes.filter { $0 != message }.map { $0.frame().kind }
            XCTAssertFalse(others.contains(frame.kind), "\(message)")
        }
    }

    func testIntegersAreLittleEndianAndOptionalsCarryAPresenceByte() {
        XCTAssertEqual(WorkerMessage.cancel(runID: 0x0102_0304_0506_0708).frame().payload, [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(WorkerMessage.started(runID: 1, pid: 0x0A0B_0C0D, startedAt: -1).frame().payload,
                       [1, 0, 0, 0, 0, 0, 0, 0, 0x0D, 0x0C, 0x0B, 0x0A] + Array(repeating: 0xFF, count: 8))
        var request = WorkerMessage.RunRequest(runID: 1, jobID: 2, jobName: "é", attempt: 3, scheduledAt: "", script: "ab",
                                               timeoutMilliseconds: nil, outputLimit: 4)
        let common: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0] + [2, 0, 0, 0, 0, 0, 0, 0]
            + [2, 0, 0, 0, 0xC3, 0xA9]  // jobName: byte count, then UTF-8
            + [3, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0] + [2, 0, 0, 0, 0x61, 0x62]
            + [0]  // no timeout
            + [4, 0, 0, 0, 0, 0, 0, 0]
            + [0]  // no runAs
        XCTAssertEqual(WorkerMessage.run(request).frame().payload, common + [0] + [0], "no maxMemoryBytes, no maxCPUSeconds")
        request.maxMemoryBytes = 0x0400_0000
        request.maxCPUSeconds = 2
        XCTAssertEqual(WorkerMessage.run(request).frame().payload,
                       common + [1, 0, 0, 0, 4, 0, 0, 0, 0]  // maxMemoryBytes: 64 MiB
                           + [1, 2, 0, 0, 0, 0, 0, 0, 0])  // maxCPUSeconds: 2
    }

    func testEveryTruncationOfEveryMessageIsATruncatedError() {
        for message in extremes where !message.frame().payload.isEmpty {
            let frame = message.frame()
            // Every cut (a sample of the 70 KB script's: each byte would be slow for nothing).
            let cuts = Array(0..<min(frame.payload.count, 200)) + [frame.payload.count - 1]
            for cut in cuts {
                XCTAssertThrowsError(try decoded(Frame(kind: frame.kind, payload: Array(frame.payload.prefix(cut))))) { error in
                    guard case .truncated(frame.kind, _)? = error as? WorkerMessageError else {
                        return XCTFail("cut at \(cut) of \(message): \(error)")
                    }
                }
            }
        }
    }

    func testBytesAfterTheLastFieldAreAnError() {
        for message in extremes {
            let frame = message.frame()
            XCTAssertThrowsError(try decoded(Frame(kind: frame.kind, payload: frame.payload + [0, 0]))) { error in
                XCTAssertEqual(error as? WorkerMessageError, .trailingBytes(kind: frame.kind, count: 2))
            }
        }
    }

    func testAFlagByteOtherThanZeroOrOneIsAnError() {
        // The second `.run` has no timeout: its presence byte follows runID, jobID, an empty
        // name, attempt, "t" and an empty script.
        let frame = extremes[1].frame()
        let flag = 8 + 8 + 4 + 8 + 5 + 4
        XCTAssertEqual(frame.payload[flag], 0)
        var payload = frame.payload
        payload[flag] = 2
        XCTAssertThrowsError(try decoded(Frame(kind: frame.kind, payload: payload))) { error in
            XCTAssertEqual(error as? WorkerMessageError, .invalidFlag(kind: frame.kind, field: "timeoutMilliseconds", byte: 2))
        }
    }

    func testTextThatIsNotUTF8IsAnError() {
        let frame = WorkerMessage.run(WorkerMessage.RunRequest(
            runID: 1, jobID: 2, jobName: "ab", attempt: 1, scheduledAt: "", script: "", timeoutMilliseconds: nil,
            outputLimit: 0)).frame()
        var payload = frame.payload
        payload[8 + 8 + 4] = 0xFF  // the name's first byte
        XCTAssertThrowsError(try decoded(Frame(kind: frame.kind, payload: payload))) { error in
            XCTAssertEqual(error as? WorkerMessageError, .invalidUTF8(kind: frame.kind, field: "jobName"))
        }
    }

    func testAStringLengthBeyondThePayloadIsTruncatedNotARead() {
        // A result whose output claims 4 GiB.
        let frame = extremes[5].frame()
        var payload = frame.payload
        let output = 8 + 1 + 1 + 1 + 1 + 8 + 8
        payload.replaceSubrange(output..<(output + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try decoded(Frame(kind: frame.kind, payload: payload))) { error in
            XCTAssertEqual(error as? WorkerMessageError, .truncated(kind: frame.kind, field: "output"))
        }
    }

    func testRandomPayloadsAreDecodedOrRejectedNeverACrash() {
        var generator = SystemRandomNumberGenerator()
        var rejected = 0
        for _ in 0..<20_000 {
            let kind = UInt8.random(in: 0...7, using: &generator)
            let payload = (0..<Int.random(in: 0...96, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do {
                let message = try decoded(Frame(kind: kind, payload: payload))
                // What decodes re-encodes to the same bytes: the layout has one spelling.
                XCTAssertEqual(message.frame(), Frame(kind: kind, payload: payload))
            } catch is WorkerMessageError {
                rejected += 1
            } catch {
                XCTFail("untyped error \(error)")
            }
        }
        XCTAssertGreaterThan(rejected, 0)
    }
}
