import XCTest
@testable import Worker

final class FrameTests: XCTestCase {
    func testEncodesLengthVersionKindAndPayloadBigEndian() throws {
        let bytes = try Frame(kind: 7, payload: [0xAA, 0xBB]).encoded()
        XCTAssertEqual(bytes, [0, 0, 0, 4, Frame.version, 7, 0xAA, 0xBB])
    }

    func testDecodesAFrameDeliveredOneByteAtATime() throws {
        let frame = Frame(kind: 3, payload: Array("hello".utf8))
        var decoder = FrameDecoder()
        let bytes = try frame.encoded()
        for (index, byte) in bytes.enumerated() {
            XCTAssertNil(try decoder.next(), "no frame before byte \(index)")
            decoder.append([byte])
        }
        XCTAssertEqual(try decoder.next(), frame)
        XCTAssertNil(try decoder.next())
        XCTAssertEqual(decoder.bufferedCount, 0)
    }

    func testDecodesSeveralFramesFromOneRead() throws {
        let frames = (0..<100).map { Frame(kind: UInt8($0), payload: Array(repeating: UInt8($0), count: $0 * 7)) }
        var decoder = FrameDecoder()
        decoder.append(try frames.flatMap { try $0.encoded() })
        var decoded: [Frame] = []
        while let frame = try decoder.next() { decoded.append(frame) }
        XCTAssertEqual(decoded, frames)
    }

    func testEmptyPayloadRoundTrips() throws {
        var decoder = FrameDecoder()
        decoder.append(try Frame(kind: 1, payload: []).encoded())
        XCTAssertEqual(try decoder.next(), Frame(kind: 1, payload: []))
    }

    func testRejectsAnAnnouncedLengthOverTheLimitBeforeBufferingIt() {
        var decoder = FrameDecoder()
        let length = UInt32(Frame.maxLength + 1)
        decoder.append(withUnsafeBytes(of: length.bigEndian) { Array($0) })
        XCTAssertThrowsError(try decoder.next()) { error in
            XCTAssertEqual(error as? FrameError, .tooLarge(length: Frame.maxLength + 1, limit: Frame.maxLength))
        }
    }

    func testRejectsALengthTooShortForVersionAndKind() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 1, Frame.version])
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? FrameError, .tooShort(length: 1)) }
    }

    func testRejectsAnotherProtocolVersion() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 2, Frame.version + 1, 0])
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? FrameError, .unsupportedVersion(Frame.version + 1)) }
    }

    func testEncodingRefusesAPayloadOverTheLimit() {
        let frame = Frame(kind: 0, payload: Array(repeating: 0, count: Frame.maxLength))
        XCTAssertThrowsError(try frame.encoded()) { XCTAssertEqual($0 as? FrameError, .tooLarge(length: Frame.maxLength + 2, limit: Frame.maxLength)) }
    }

    func testLongStreamsStayCompact() throws {
        var decoder = FrameDecoder()
        let frame = Frame(kind: 9, payload: Array(repeating: 1, count: 1000))
        let bytes = try frame.encoded()
        for _ in 0..<1000 {
            decoder.append(bytes)
            decoder.append(bytes.prefix(10))
            XCTAssertEqual(try decoder.next(), frame)
            decoder.append(bytes.dropFirst(10))
            XCTAssertEqual(try decoder.next(), frame)
        }
        XCTAssertEqual(decoder.bufferedCount, 0)
    }
}
