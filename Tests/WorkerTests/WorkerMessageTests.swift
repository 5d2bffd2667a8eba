import XCTest
@testable import Worker

final class WorkerMessageTests: XCTestCase {
    private let result = WorkerMessage.RunResult(
        runID: 9, exitCode: 3, signal: nil, timedOut: false, cancelled: false, startedAt: 1_767_225_600_000,
        finishedAt: 1_767_225_600_250, output: "hi\n\u{1F600} \"quoted\"\n", outputTruncated: true, maxRSSKilobytes: 2048,
        cpuUserMilliseconds: 12, cpuSystemMilliseconds: 3, error: nil)

    private var everyMessage: [WorkerMessage] {
        var killed = result
        killed.exitCode = nil
        killed.signal = SIGKILL
        killed.timedOut = true
        var failed = result
        failed.exitCode = nil
        failed.output = ""
        failed.error = "could not start /bin/sh: No such file or directory"
        return [
            .run(WorkerMessage.RunRequest(runID: 1, jobID: 2, jobName: "nightly «backup»", attempt: 2,
                                          scheduledAt: "2026-03-29T01:30:00Z", script: "echo \"$HOME\" | tr a-z A-Z\nexit 1",
                                          timeoutMilliseconds: 30_000, outputLimit: 65536)),
            .run(WorkerMessage.RunRequest(runID: Int64.max, jobID: 0, jobName: "", attempt: 0, scheduledAt: "",
                                          script: "", timeoutMilliseconds: nil, outputLimit: 0)),
            .cancel(runID: 7),
            .started(runID: 1, pid: 4242, startedAt: 1_767_225_600_000),
            .finished(result),
            .finished(killed),
            .finished(failed),
            .stats(WorkerMessage.WorkerStats(rssKilobytes: 10_240, cpuMilliseconds: 1500, running: 3)),
            .stop,
            .ping,
            .pong,
        ]
    }

    func testEveryMessageRoundTripsThroughFramesOnTheWire() throws {
        var decoder = FrameDecoder()
        for message in everyMessage {
            decoder.append(try message.frame().encoded())
        }
        var decoded: [WorkerMessage] = []
        while let frame = try decoder.next() {
            decoded.append(try WorkerMessage(frame: frame))
        }
        XCTAssertEqual(decoded, everyMessage)
    }

    func testEachMessageHasAKindOfItsOwn() throws {
        let kinds = [everyMessage[0], everyMessage[2], everyMessage[3], everyMessage[4], everyMessage[7], everyMessage[8],
                     everyMessage[9], everyMessage[10]].map { $0.frame().kind }
        XCTAssertEqual(Set(kinds).count, 8)
    }

    func testAnUnknownKindIsAnError() {
        XCTAssertThrowsError(try WorkerMessage(frame: Frame(kind: 99, payload: Array("{}".utf8)))) { error in
            XCTAssertEqual(error as? WorkerMessageError, .unknownKind(99))
        }
        XCTAssertThrowsError(try WorkerMessage(frame: Frame(kind: 0, payload: [])))
    }

    func testAPayloadThatIsNotTheKindsLayoutIsAnError() throws {
        let runKind = everyMessage[0].frame().kind
        XCTAssertThrowsError(try WorkerMessage(frame: Frame(kind: runKind, payload: Array("{\"runID\": 1}".utf8))))
        XCTAssertThrowsError(try WorkerMessage(frame: Frame(kind: runKind, payload: Array("not json".utf8))))
    }

    func testAResultTooLargeForAFrameIsSentWithAShorterTailOfItsOutput() throws {
        var huge = result
        huge.outputTruncated = false
        huge.output = String(repeating: "\u{1}", count: Frame.maxLength) + "the end"
        var decoder = FrameDecoder()
        decoder.append(try WorkerChannel.encode(.finished(huge)))
        guard case .finished(let sent)? = try decoder.next().map(WorkerMessage.init(frame:)) else {
            return XCTFail("no result decoded")
        }
        XCTAssertTrue(sent.outputTruncated)
        XCTAssertTrue(sent.output.hasSuffix("\u{1}the end"))
        // Halved once: what fits is kept.
        XCTAssertLessThan(sent.output.utf8.count, Frame.maxLength)
        XCTAssertGreaterThan(sent.output.utf8.count, Frame.maxLength / 4)
        XCTAssertEqual(sent.runID, huge.runID)
    }

    func testAMessageThatFitsIsEncodedUnchanged() throws {
        var decoder = FrameDecoder()
        decoder.append(try WorkerChannel.encode(.finished(result)))
        XCTAssertEqual(try decoder.next().map(WorkerMessage.init(frame:)), .finished(result))
    }
}
