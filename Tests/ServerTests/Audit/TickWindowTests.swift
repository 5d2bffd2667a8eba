// TickWindow: the defaults of GET /jobs/{id}/ticks and every refusal, each naming its field.
@testable import Server
import XCTest

final class TickWindowTests: XCTestCase {
    private let now: Int64 = 1_800_000_000_000

    private func refusal(from: String? = nil, to: String? = nil, limit: String? = nil) -> APIError? {
        do {
            _ = try TickWindow.parse(from: from, to: to, limit: limit, now: now)
            return nil
        } catch {
            return error
        }
    }

    func testDefaultsAreTheLast24HoursAndAThousandTicks() throws {
        XCTAssertEqual(try TickWindow.parse(from: nil, to: nil, limit: nil, now: now),
                       TickWindow(from: now - 86_400_000, to: now, limit: 1000))
        let to = try RFC3339.parse("2026-11-29T11:00:00Z")
        XCTAssertEqual(try TickWindow.parse(from: nil, to: "2026-11-29T11:00:00Z", limit: "5", now: now),
                       TickWindow(from: to - 86_400_000, to: to, limit: 5), "from follows to")
        XCTAssertEqual(try TickWindow.parse(from: "2026-11-29T10:00:00+01:00", to: "2026-11-29T10:00:00Z", limit: "10000", now: now).from,
                       to - 2 * 3_600_000, "offsets are honoured")
    }

    func testBadTimesNameTheirField() {
        XCTAssertEqual(refusal(from: "yesterday")?.field, "from")
        XCTAssertEqual(refusal(to: "2026-13-01T00:00:00Z")?.field, "to")
        XCTAssertEqual(refusal(to: "2026-11-29T10:00:00 01:00")?.field, "to", "a + decoded as a space is refused, not guessed")
        XCTAssertEqual(refusal(from: "yesterday")?.status, .badRequest)
        XCTAssertEqual(refusal(from: "yesterday")?.code, "invalid_value")
    }

    func testFromAfterToAndWindowsOver31DaysAreRefusedNamingFrom() {
        XCTAssertEqual(refusal(from: "2026-11-29T12:00:00Z", to: "2026-11-29T11:00:00Z")?.field, "from")
        XCTAssertEqual(refusal(from: "2026-10-01T00:00:00Z", to: "2026-11-29T00:00:00Z")?.field, "from")
        XCTAssertNil(refusal(from: "2026-10-29T00:00:00Z", to: "2026-11-29T00:00:00Z"), "exactly 31 days is allowed")
        XCTAssertNil(refusal(from: "2026-11-29T00:00:00Z", to: "2026-11-29T00:00:00Z"), "an instant is a window")
    }

    func testLimitsOutside1To10000AreRefusedNamingLimit() {
        for bad in ["0", "10001", "-1", "ten", ""] {
            XCTAssertEqual(refusal(limit: bad)?.field, "limit", bad)
        }
    }
}
