// Differential test of cron next-fire: random expressions, zones and start instants, checked
// against a brute-force oracle written here from the definitions alone. The oracle shares no
// code with the scheduler: it takes UTC offsets from Foundation's TimeZone (ICU's data, not our
// TZif reader), counts calendar days one by one, enumerates every matching wall time in order,
// and maps each to its instant by trying every offset the zone uses.

import Foundation
@testable import Server
import XCTest

final class CronDifferentialTests: XCTestCase {
    func testNextFireAgreesWithABruteForceOracleOnRandomExpressions() throws {
        var random = SplitMix64(seed: 0xC0FF_EE15_600D)
        let zones = [
            "UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe",
            "America/St_Johns", "Pacific/Chatham",
        ].map(OracleZone.init)
        var failures = 0
        var compared = 0
        for caseNumber in 0..<6000 where failures < 10 {
            let spec = RandomCron(using: &random)
            let expression = try CronExpression(spec.text)
            let oracle = zones[Int.random(in: 0..<zones.count, using: &random)]
            let zone = try ZoneRules.named(oracle.identifier)
            var after = oracle.randomStart(using: &random)
            for _ in 0..<3 {
                let expected = oracle.next(spec, after: after)
                let actual = expression.next(after: after, in: zone)
                guard let tick = expected, tick < OracleZone.coveredUntil * 1000 else { break }
                compared += 1
                if actual != expected {
                    failures += 1
                    XCTFail("case \(caseNumber): \(spec.text) in \(oracle.identifier) after "
                        + "\(RFC3339.format(milliseconds: after)): got \(actual.map { RFC3339.format(milliseconds: $0) } ?? "nil"), "
                        + "expected \(RFC3339.format(milliseconds: tick))")
                    break
                }
                after = tick - Int64.random(in: 0...1, using: &random)
            }
        }
        XCTAssertGreaterThan(compared, 15_000)
    }
}

/// RandomCron is a random cron expression together with the values each field allows,
/// computed from how it was generated rather than by parsing its text.
struct RandomCron {
    var text: String
    var seconds: [Int]
    var minutes: [Int]
    var hours: [Int]
    var daysOfMonth: Set<Int>
    var months: Set<Int>
    var daysOfWeek: Set<Int>
    var dayOfMonthStar: Bool
    var dayOfWeekStar: Bool

    init(using random: inout SplitMix64) {
        while true {
            let withSeconds = Int.random(in: 0..<5, using: &random) == 0
            let second = withSeconds ? RandomCron.field(0...59, using: &random) : (text: "0", values: [0])
            let minute = RandomCron.field(0...59, using: &random)
            // Coarse fields are often `*`, so that many ticks fall near the start.
            let hour = RandomCron.field(0...23, stars: 10, using: &random)
            let dayOfMonth = RandomCron.field(1...31, stars: 12, using: &random)
            let month = RandomCron.field(1...12, names: RandomCron.monthNames, stars: 14, using: &random)
            let dayOfWeek = RandomCron.field(0...6, names: RandomCron.weekdayNames, stars: 12, using: &random)
            text = [withSeconds ? second.text : nil, minute.text, hour.text, dayOfMonth.text, month.text, dayOfWeek.text]
                .compactMap { $0 }.joined(separator: " ")
            seconds = second.values.sorted()
            minutes = minute.values.sorted()
            hours = hour.values.sorted()
            daysOfMonth = dayOfMonth.values
            months = month.values
            daysOfWeek = dayOfWeek.values
            dayOfMonthStar = dayOfMonth.text.hasPrefix("*")
            dayOfWeekStar = dayOfWeek.text.hasPrefix("*")
            if canFire { return }
        }
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Classic cron: OR when both day fields are restricted, AND otherwise.
    func matches(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let byMonth = daysOfMonth.contains(day)
        let byWeek = daysOfWeek.contains(weekday)
        return !dayOfMonthStar && !dayOfWeekStar ? byMonth || byWeek : byMonth && byWeek
    }

    /// Expressions whose days never exist (`0 0 31 2 *`) are refused by the parser.
    private var canFire: Bool {
        let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (!dayOfMonthStar && !dayOfWeekStar)
            || months.contains { month in daysOfMonth.contains { $0 <= longest[month - 1] } }
    }

    /// One random field: `*` (in `stars` cases of 20), else `*/k`, a value (or name), `a-b`,
    /// `a-b/k`, or a list of those.
    private static func field(
        _ range: ClosedRange<Int>, names: [String] = [], stars: Int = 7, using random: inout SplitMix64
    ) -> (text: String, values: Set<Int>) {
        let isWeekday = names.count == 7
        let span = range.count
        func value() -> (String, Int) {
            let v = Int.random(in: range, using: &random)
            if !names.isEmpty, Bool.random(using: &random) {
                let name = names[v - range.lowerBound]
                return (Bool.random(using: &random) ? name : name.lowercased(), v)
            }
            if isWeekday, v == 0, Bool.random(using: &random) { return ("7", 0) }
            return (String(v), v)
        }
        func item() -> (String, Set<Int>) {
            if isWeekday, Int.random(in: 0..<4, using: &random) == 0 {
                // A range ending on Sunday, written 0 or SUN: it runs to 7 (cronie), so `SAT-SUN`
                // is Saturday and Sunday, and `TUE-0/2` is Tuesday, Thursday, Saturday.
                let a = Int.random(in: 1...6, using: &random)
                let start = Bool.random(using: &random) ? names[a] : String(a)
                let end = ["0", "SUN", "sun", "Sun"].randomElement(using: &random)!
                let step = Bool.random(using: &random) ? 1 : Int.random(in: 1...3, using: &random)
                return ("\(start)-\(end)" + (step == 1 ? "" : "/\(step)"), Set(stride(from: a, through: 7, by: step).map { $0 % 7 }))
            }
            switch Int.random(in: 0..<10, using: &random) {
            case 0...1:
                let (text, v) = value()
                return (text, [v])
            case 2...3:
                var a = Int.random(in: range, using: &random)
                var b = Int.random(in: range, using: &random)
                if a > b { swap(&a, &b) }
                return ("\(a)-\(b)", Set(a...b))
            default:
                var a = Int.random(in: range, using: &random)
                var b = Int.random(in: range, using: &random)
                if a > b { swap(&a, &b) }
                let step = Int.random(in: 1...max(1, span / 2), using: &random)
                return ("\(a)-\(b)/\(step)", Set(stride(from: a, through: b, by: step)))
            }
        }
        if Int.random(in: 0..<20, using: &random) < stars { return ("*", Set(range)) }
        switch Int.random(in: 0..<13, using: &random) {
        case 0..<3:
            let step = Int.random(in: 1...span, using: &random)
            return ("*/\(step)", Set(stride(from: range.lowerBound, through: range.upperBound, by: step)))
        case 3..<7:
            let (text, v) = value()
            return (text, [v])
        case 7..<10:
            return item()
        default:
            var texts: [String] = []
            var values: Set<Int> = []
            for _ in 0..<Int.random(in: 2...3, using: &random) {
                let (text, set) = item()
                texts.append(text)
                values.formUnion(set)
            }
            return (texts.joined(separator: ","), values)
        }
    }
}

/// OracleZone knows a zone's UTC offsets from Foundation and finds cron ticks by brute force.
struct OracleZone {
    /// Offsets are known from 2017 to here; ticks later than this are not compared.
    static let coveredUntil: Int64 = 3_471_292_800  // 2080-01-01
    private static let coveredFrom: Int64 = 1_483_228_800  // 2017-01-01

    let identifier: String
    /// `(at, offset)`: the offset in force from `at` on; the first entry starts at coveredFrom.
    private let changes: [(at: Int64, offset: Int64)]
    private let distinctOffsets: [Int64]
    private let largestOffset: Int64
    private let smallestOffset: Int64

    init(_ identifier: String) {
        let zone = TimeZone(identifier: identifier)!
        var date = Date(timeIntervalSince1970: TimeInterval(OracleZone.coveredFrom))
        var changes: [(at: Int64, offset: Int64)] = [(OracleZone.coveredFrom, Int64(zone.secondsFromGMT(for: date)))]
        while let next = zone.nextDaylightSavingTimeTransition(after: date),
              next.timeIntervalSince1970 < TimeInterval(OracleZone.coveredUntil) {
            changes.append((Int64(next.timeIntervalSince1970), Int64(zone.secondsFromGMT(for: next))))
            date = next
        }
        self.identifier = identifier
        self.changes = changes
        distinctOffsets = Array(Set(changes.map(\.offset)))
        largestOffset = distinctOffsets.max()!
        smallestOffset = distinctOffsets.min()!
    }

    /// A start between 2018 and 2040; mostly near an offset change: within hours, within
    /// minutes, or a second either side of the change or of the end of a repeated hour.
    func randomStart(using random: inout SplitMix64) -> Int64 {
        let near = changes.indices.dropFirst().filter { changes[$0].at > 1_514_764_800 && changes[$0].at < 2_208_988_800 }
        var seconds = Int64.random(in: 1_514_764_800...2_208_988_800, using: &random)
        if let index = near.randomElement(using: &random), Int.random(in: 0..<10, using: &random) < 7 {
            let change = changes[index].at
            let repeated = abs(changes[index - 1].offset - changes[index].offset)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3: seconds = change + Int64.random(in: -14_400...14_400, using: &random)
            case 3..<6: seconds = change + Int64.random(in: -120...120, using: &random)
            default: seconds = change + [-2, -1, 0, 1, repeated - 2, repeated - 1, repeated, repeated + 1].randomElement(using: &random)!
            }
        }
        return seconds * 1000 + (Bool.random(using: &random) ? 0 : Int64.random(in: 0..<1000, using: &random))
    }

    /// The offset in force at an instant, by binary search over the changes.
    func offset(at instant: Int64) -> Int64 {
        var low = 0
        var high = changes.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if changes[middle].at <= instant { low = middle } else { high = middle }
        }
        return changes[low].offset
    }

    /// When a wall time fires: its first instant, or for a skipped wall time the end of the gap.
    func fire(wall: Int64) -> Int64 {
        var first: Int64?
        for offset in distinctOffsets where self.offset(at: wall - offset) == offset {
            first = min(first ?? .max, wall - offset)
        }
        if let first { return first }
        for index in 1..<changes.count
        where changes[index - 1].offset + changes[index].at <= wall && wall < changes[index].at + changes[index].offset {
            return changes[index].at
        }
        fatalError("wall time \(wall) neither exists nor falls in a gap in \(identifier)")
    }

    /// The earliest tick strictly after `after` (milliseconds): walks the calendar day by day
    /// and every matching wall time in order. A wall time w fires within [w - largest offset,
    /// w - smallest offset], which bounds where to start and when to stop.
    func next(_ spec: RandomCron, after: Int64) -> Int64? {
        let after = Int64((Double(after) / 1000).rounded(.down))
        var day = (after + smallestOffset) / 86_400
        var date = NaiveDate(days: day)
        var best: Int64?
        func firesTooEarly(_ lastWall: Int64) -> Bool { lastWall - smallestOffset <= after }
        while day * 86_400 < OracleZone.coveredUntil {
            if let best, day * 86_400 - largestOffset > best { break }
            if spec.matches(month: date.month, day: date.day, weekday: date.weekday) {
                search: for hour in spec.hours {
                    let hourStart = day * 86_400 + Int64(hour * 3600)
                    if firesTooEarly(hourStart + 3599) { continue }
                    for minute in spec.minutes {
                        let minuteStart = hourStart + Int64(minute * 60)
                        if firesTooEarly(minuteStart + 59) { continue }
                        for second in spec.seconds {
                            let wall = minuteStart + Int64(second)
                            if let best, wall - largestOffset > best { break search }
                            let instant = fire(wall: wall)
                            if instant > after, instant < (best ?? .max) { best = instant }
                        }
                    }
                }
            }
            day += 1
            date.advance()
        }
        return best.map { $0 * 1000 }
    }
}

/// NaiveDate counts days from 1970-01-01 (a Thursday) one year and one month at a time.
struct NaiveDate {
    var year = 1970
    var month = 1
    var day = 1
    var weekday = 4

    init(days: Int64) {
        var remaining = Int(days)
        weekday = (4 + remaining) % 7
        while remaining >= yearLength { remaining -= yearLength; year += 1 }
        while remaining >= monthLength { remaining -= monthLength; month += 1 }
        day += remaining
    }

    private var yearLength: Int { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 366 : 365 }

    private var monthLength: Int {
        let lengths = [31, yearLength == 366 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths[month - 1]
    }

    mutating func advance() {
        weekday = (weekday + 1) % 7
        day += 1
        if day > monthLength {
            day = 1
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
    }
}
