// Offsets read from TZif files and extended by their footer rules, and the mapping between
// wall times and instants across gaps and overlaps.

@testable import Server
import XCTest

final class ZoneRulesTests: XCTestCase {
    private func seconds(_ text: String) -> Int64 {
        try! RFC3339.parse(text) / 1000
    }

    func testOffsetsChangeAtTheTransitionInstant() throws {
        let london = try ZoneRules.named("Europe/London")
        XCTAssertEqual(london.offset(at: seconds("2026-03-29T00:59:59Z")), 0)
        XCTAssertEqual(london.offset(at: seconds("2026-03-29T01:00:00Z")), 3600)
        XCTAssertEqual(london.offset(at: seconds("2026-10-25T00:59:59Z")), 3600)
        XCTAssertEqual(london.offset(at: seconds("2026-10-25T01:00:00Z")), 0)
        XCTAssertEqual(try ZoneRules.named("Asia/Kolkata").offset(at: seconds("2026-06-01T00:00:00Z")), 19_800)
        XCTAssertEqual(try ZoneRules.named("Australia/Lord_Howe").offset(at: seconds("2027-01-01T00:00:00Z")), 39_600)
        XCTAssertEqual(try ZoneRules.named("Etc/GMT+5").offset(at: 0), -18_000)
    }

    func testFooterRuleContinuesTheListedTransitionsWithoutAJump() throws {
        for name in ["Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe"] {
            let zone = try ZoneRules.named(name)
            let lastListed = try XCTUnwrap(zone.times.last)
            var instant = lastListed - 3 * 365 * 86_400
            var previous = zone.offset(at: instant)
            var changes = 0
            // Across the boundary between listed transitions and the rule, offsets keep
            // alternating twice a year, each change reported by transition(after:).
            while instant < lastListed + 3 * 365 * 86_400 {
                let next = try XCTUnwrap(zone.transition(after: instant), name)
                XCTAssertEqual(next.before, previous, "\(name) at \(next.at)")
                XCTAssertNotEqual(next.after, next.before, name)
                XCTAssertEqual(zone.transition(atOrBefore: next.at), next, name)
                XCTAssertEqual(zone.offset(at: next.at - 1), next.before, name)
                previous = next.after
                instant = next.at
                changes += 1
            }
            XCTAssertGreaterThanOrEqual(changes, 11, "\(name): two changes a year")
        }
    }

    func testPosixRulesParseTheFormsTZifFootersUse() throws {
        let newYork = try XCTUnwrap(PosixTimeZoneRule("EST5EDT,M3.2.0,M11.1.0"))
        XCTAssertEqual(newYork.standardOffset, -18_000)
        let (start, end) = try XCTUnwrap(newYork.transitions(year: 2040))
        XCTAssertEqual(start.at, seconds("2040-03-11T07:00:00Z"))
        XCTAssertEqual(end.at, seconds("2040-11-04T06:00:00Z"))

        let lordHowe = try XCTUnwrap(PosixTimeZoneRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"))
        XCTAssertEqual(lordHowe.standardOffset, 37_800)
        XCTAssertEqual(lordHowe.daylight?.offset, 39_600)

        let london = try XCTUnwrap(PosixTimeZoneRule("GMT0BST,M3.5.0/1,M10.5.0"))
        XCTAssertEqual(try XCTUnwrap(london.transitions(year: 2026)).start.at, seconds("2026-03-29T01:00:00Z"))

        let julian = try XCTUnwrap(PosixTimeZoneRule("AAA3BBB,J60/0,300/-1"))
        let (julianStart, julianEnd) = try XCTUnwrap(julian.transitions(year: 2028))
        XCTAssertEqual(julianStart.at, seconds("2028-03-01T03:00:00Z"), "J60 skips February 29")
        XCTAssertEqual(julianEnd.at, seconds("2028-10-27T01:00:00Z"), "300 counts it; -1 is 23:00 the day before")

        XCTAssertNil(try XCTUnwrap(PosixTimeZoneRule("IST-5:30")).daylight)
        for invalid in ["", "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "<+05", "EST5EDT,J0,J1"] {
            XCTAssertNil(PosixTimeZoneRule(invalid), invalid)
        }
    }

    func testWallTimesMapToTheirFirstInstantOrTheGapsEnd() throws {
        let newYork = try ZoneRules.named("America/New_York")
        let wall = { (text: String) in self.seconds(text) }
        XCTAssertEqual(newYork.firstInstant(ofWallTime: wall("2026-03-08T01:59:00Z")), seconds("2026-03-08T06:59:00Z"))
        XCTAssertEqual(newYork.firstInstant(ofWallTime: wall("2026-03-08T02:30:00Z")), seconds("2026-03-08T07:00:00Z"))
        XCTAssertEqual(newYork.firstInstant(ofWallTime: wall("2026-03-08T03:00:00Z")), seconds("2026-03-08T07:00:00Z"))
        XCTAssertEqual(newYork.firstInstant(ofWallTime: wall("2026-11-01T01:30:00Z")), seconds("2026-11-01T05:30:00Z"))
        XCTAssertEqual(newYork.firstInstant(ofWallTime: wall("2026-11-01T02:00:00Z")), seconds("2026-11-01T07:00:00Z"))

        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-03-08T07:00:00Z")),
                       wall("2026-03-08T02:00:00Z"), "the skipped wall times fire at the gap's end")
        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-11-01T06:00:00Z")),
                       wall("2026-11-01T02:00:00Z"), "the repeated hour already fired")
        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-11-01T06:30:00Z")),
                       wall("2026-11-01T02:00:00Z"))
        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-11-01T06:59:59Z")),
                       wall("2026-11-01T02:00:00Z"), "the last second of the repeated hour")
        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-11-01T07:00:00Z")),
                       wall("2026-11-01T02:00:00Z"))
        XCTAssertEqual(newYork.earliestWallTime(firingAtOrAfter: seconds("2026-11-01T05:59:59Z")),
                       wall("2026-11-01T01:59:59Z"))
    }

    func testZonesAreCachedByName() throws {
        let first = try ZoneRules.named("Australia/Sydney")
        let second = try ZoneRules.named("Australia/Sydney")
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.identifier, "Australia/Sydney")
    }
}
