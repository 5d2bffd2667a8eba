// Timestamps as people read and write them: exact round trips, offsets, and clear refusals.

@testable import Server
import XCTest

final class RFC3339Tests: XCTestCase {
    func testFormatsUTCWithMillisecondsOnlyWhenNonZero() {
        XCTAssertEqual(RFC3339.format(milliseconds: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 1_774_746_000_000), "2026-03-29T01:00:00Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 1_774_746_000_123), "2026-03-29T01:00:00.123Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 1_774_746_000_050), "2026-03-29T01:00:00.050Z")
        XCTAssertEqual(RFC3339.format(milliseconds: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(RFC3339.format(milliseconds: 951_782_400_000), "2000-02-29T00:00:00Z")
    }

    func testParsesOffsetsFractionsAndLowercase() throws {
        XCTAssertEqual(try RFC3339.parse("2026-03-29T01:00:00Z"), 1_774_746_000_000)
        XCTAssertEqual(try RFC3339.parse("2026-03-29t01:00:00.5z"), 1_774_746_000_500)
        XCTAssertEqual(try RFC3339.parse("2026-03-29 02:00:00.123456+01:00"), 1_774_746_000_123)
        XCTAssertEqual(try RFC3339.parse("2026-03-28T20:30:00-04:30"), 1_774_746_000_000)
        XCTAssertEqual(try RFC3339.parse("2000-02-29T00:00:00Z"), 951_782_400_000)
    }

    func testRoundTripsEveryMillisecondPattern() throws {
        var state: UInt64 = 7
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let instant = Int64(state >> 22) - (1 << 41)
            XCTAssertEqual(try RFC3339.parse(RFC3339.format(milliseconds: instant)), instant)
        }
    }

    func testRejectsMalformedTimestamps() {
        for text in ["", "2026-03-29", "2026-03-29T01:00:00", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                     "2026-03-29T24:00:00Z", "2026-03-29T01:60:00Z", "2026-03-29T01:00:60Z", "2026-03-29T01:00:00.Z",
                     "2026-03-29T01:00:00+0100", "2026-03-29T01:00:00Zjunk", "20260329T010000Z"] {
            XCTAssertThrowsError(try RFC3339.parse(text), text) { error in
                XCTAssertEqual(error as? ScheduleError, .invalidTimestamp(text: text))
            }
        }
        XCTAssertEqual(ScheduleError.invalidTimestamp(text: "yesterday").description,
                       "startdate field: yesterday is not an RFC 3339 timestamp; allowed e.g. 2026-03-29T01:00:00Z")
    }
}
