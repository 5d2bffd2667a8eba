import XCTest
@testable import Worker

final class OutputTailTests: XCTestCase {
    /// The tail as a naive model computes it: everything appended, cut to its last `limit` bytes.
    private struct Model {
        let limit: Int
        var all: [UInt8] = []
        mutating func append(_ bytes: [UInt8]) { all += bytes }
        var tail: [UInt8] { Array(all.suffix(limit)) }
        var truncated: Bool { all.count > limit }
    }

    private func bytes(_ count: Int, from start: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: start + $0) }
    }

    func testEmptyTailIsNotTruncated() {
        let tail = OutputTail(limit: 10)
        XCTAssertEqual(tail.bytes, [])
        XCTAssertEqual(tail.text, "")
        XCTAssertFalse(tail.truncated)
        XCTAssertEqual(tail.receivedCount, 0)
    }

    func testLimitZeroKeepsNothingAndIsTruncatedByAnyByte() {
        var tail = OutputTail(limit: 0)
        tail.append([])
        XCTAssertFalse(tail.truncated, "no bytes, nothing dropped")
        tail.append([1])
        XCTAssertEqual(tail.bytes, [])
        XCTAssertTrue(tail.truncated)
        tail.append(bytes(10_000))
        XCTAssertEqual(tail.count, 0)
        XCTAssertEqual(tail.receivedCount, 10_001)
    }

    func testNegativeLimitActsAsZero() {
        var tail = OutputTail(limit: -5)
        XCTAssertEqual(tail.limit, 0)
        tail.append([1, 2])
        XCTAssertEqual(tail.bytes, [])
        XCTAssertTrue(tail.truncated)
    }

    func testExactlyTheLimitIsKeptWholeAndNotTruncated() {
        var tail = OutputTail(limit: 5)
        tail.append([1, 2, 3, 4, 5])
        XCTAssertEqual(tail.bytes, [1, 2, 3, 4, 5])
        XCTAssertFalse(tail.truncated)
        tail.append([6])
        XCTAssertEqual(tail.bytes, [2, 3, 4, 5, 6], "one byte more drops the oldest")
        XCTAssertTrue(tail.truncated)
    }

    func testExactlyTheLimitInPiecesIsNotTruncated() {
        var tail = OutputTail(limit: 6)
        tail.append([1, 2])
        tail.append([3, 4, 5])
        tail.append([6])
        XCTAssertEqual(tail.bytes, [1, 2, 3, 4, 5, 6])
        XCTAssertFalse(tail.truncated)
    }

    func testManySmallAppendsKeepTheLastBytesInOrder() {
        var tail = OutputTail(limit: 100)
        var model = Model(limit: 100)
        for index in 0..<10_000 {
            let piece = bytes(index % 7, from: index)
            tail.append(piece)
            model.append(piece)
        }
        XCTAssertEqual(tail.bytes, model.tail)
        XCTAssertTrue(tail.truncated)
        XCTAssertEqual(tail.receivedCount, model.all.count)
    }

    func testOneHugeAppendKeepsItsEnd() {
        var tail = OutputTail(limit: 1000)
        let huge = bytes(5_000_000)
        tail.append(huge)
        XCTAssertEqual(tail.bytes, Array(huge.suffix(1000)))
        XCTAssertTrue(tail.truncated)
        XCTAssertEqual(tail.receivedCount, 5_000_000)
    }

    func testAHugeAppendReplacesAWrappedRing() {
        var tail = OutputTail(limit: 8)
        tail.append(bytes(13))
        tail.append(bytes(3, from: 100))
        let huge = bytes(50, from: 200)
        tail.append(huge)
        XCTAssertEqual(tail.bytes, Array(huge.suffix(8)))
        tail.append([1, 2, 3])
        XCTAssertEqual(tail.bytes, Array(huge.suffix(5)) + [1, 2, 3])
    }

    func testAppendsThatWrapTheRingAtEveryOffsetMatchTheModel() {
        for limit in [1, 2, 3, 7, 16, 64] {
            var tail = OutputTail(limit: limit)
            var model = Model(limit: limit)
            // Piece sizes 0...limit+1 in a shuffled but fixed order, so every head position
            // meets every piece size, including pieces that end exactly at the ring's end.
            for round in 0..<200 {
                let size = (round * 7919) % (limit + 2)
                let piece = bytes(size, from: round * 31)
                tail.append(piece)
                model.append(piece)
                XCTAssertEqual(tail.bytes, model.tail, "limit \(limit), round \(round)")
                XCTAssertEqual(tail.truncated, model.truncated, "limit \(limit), round \(round)")
            }
        }
    }

    func testFillingPartlyThenOverflowingInOneAppendWraps() {
        var tail = OutputTail(limit: 4)
        tail.append([1, 2, 3])
        tail.append([4, 5, 6])
        XCTAssertEqual(tail.bytes, [3, 4, 5, 6])
        XCTAssertTrue(tail.truncated)
    }

    func testTextDropsACharacterCutInTwoByTruncation() {
        var tail = OutputTail(limit: 5)
        // "é" is C3 A9: the limit keeps only its second byte.
        tail.append(Array("xé1234".utf8))
        XCTAssertEqual(tail.bytes, [0xA9, 0x31, 0x32, 0x33, 0x34])
        XCTAssertEqual(tail.text, "1234")
    }

    func testTextKeepsWholeCharactersAndShowsInvalidBytesOfAnUntruncatedTail() {
        var tail = OutputTail(limit: 64)
        tail.append(Array("héllo ✓\n".utf8))
        XCTAssertEqual(tail.text, "héllo ✓\n")
        var invalid = OutputTail(limit: 64)
        invalid.append([0x41, 0xFF, 0x42])
        XCTAssertEqual(invalid.text, "A\u{FFFD}B")
    }
}
