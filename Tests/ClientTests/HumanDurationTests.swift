// HumanDuration and RelativeTime: the units a table shows at each size, and the words for
// past, future and "now".
import Client
import XCTest

final class HumanDurationTests: XCTestCase {
    func testEachSizeGetsItsUnitsWithPrecisionFallingAsItGrows() {
        let cases: [(Int64, String)] = [
            (0, "0ms"), (340, "340ms"), (999, "999ms"), (1000, "1s"), (1200, "1.2s"), (1999, "1.9s"),
            (9999, "9.9s"), (10_000, "10s"), (42_500, "42s"), (60_000, "1m"), (192_000, "3m12s"),
            (600_000, "10m"), (2_520_000, "42m"), (18_720_000, "5h12m"), (36_000_000, "10h"),
            (50_400_000, "14h"), (273_600_000, "3d4h"), (1_036_800_000, "12d"), (63_072_000_000, "2y"),
        ]
        for (milliseconds, text) in cases {
            XCTAssertEqual(HumanDuration.format(milliseconds: milliseconds), text, "\(milliseconds) ms")
        }
    }

    func testANegativeDurationShowsItsMagnitude() {
        XCTAssertEqual(HumanDuration.format(milliseconds: -192_000), "3m12s")
    }

    func testRelativeTimeSaysAgoForThePastInForTheFutureAndNowWithinASecond() {
        let now: Int64 = 1_800_000_000_000
        XCTAssertEqual(RelativeTime.format(now - 180_000, now: now), "3m ago")
        XCTAssertEqual(RelativeTime.format(now + 12_000, now: now), "in 12s")
        XCTAssertEqual(RelativeTime.format(now + 999, now: now), "now")
        XCTAssertEqual(RelativeTime.format(now - 999, now: now), "now")
        XCTAssertEqual(RelativeTime.format(now + 1000, now: now), "in 1s")
    }

    func testTimestampsReadWithAndWithoutMilliseconds() {
        XCTAssertEqual(Timestamp.parse("2026-03-29T01:00:00Z"), 1_774_746_000_000)
        XCTAssertEqual(Timestamp.parse("2026-03-29T01:00:00.123Z"), 1_774_746_000_123)
        XCTAssertNil(Timestamp.parse("tomorrow"))
    }

    func testSizesInBinaryUnits() {
        XCTAssertEqual(HumanSize.format(kilobytes: 512), "512K")
        XCTAssertEqual(HumanSize.format(kilobytes: 61_360), "59M")
        XCTAssertEqual(HumanSize.format(kilobytes: 2_621_440), "2.5G")
        XCTAssertEqual(HumanSize.format(kilobytes: 24_731_708), "23G")
    }
}
