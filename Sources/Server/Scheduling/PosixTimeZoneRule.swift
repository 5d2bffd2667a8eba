// PosixTimeZoneRule is the TZ string at the end of a TZif file ("EST5EDT,M3.2.0,M11.1.0"). A
// TZif file lists transitions only up to some year (2037, or fewer in "slim" files); this rule
// extends them for every later year, so schedules stay exact however far ahead they reach.

/// PosixTimeZoneRule is a standard offset and, optionally, a yearly daylight-saving period.
struct PosixTimeZoneRule: Sendable, Equatable {
    /// Which day of a year a transition falls on.
    enum DayRule: Sendable, Equatable {
        /// `Jn`: day n of 1-365, never counting February 29.
        case julianWithoutLeapDay(Int)
        /// `n`: day n of 0-365, counting February 29.
        case dayOfYear(Int)
        /// `Mm.w.d`: weekday d (0 = Sunday) of week w (1-5, 5 = the last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// Daylight time: its offset, and when it starts (in standard local time) and ends (in
    /// daylight local time), each a day and seconds after that day's midnight.
    struct Daylight: Sendable, Equatable {
        let offset: Int32
        let start: DayRule
        let startTime: Int32
        let end: DayRule
        let endTime: Int32
    }

    /// Seconds east of UTC (POSIX writes them west of UTC; the sign is flipped on parsing).
    let standardOffset: Int32
    let daylight: Daylight?

    /// Parses `std offset [dst [offset] [,start[/time],end[/time]]]`, with names either
    /// alphabetic or in angle brackets (`<+0530>`). nil for anything else.
    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.skipName(), let standardWest = scanner.time(maxHours: 24) else { return nil }
        standardOffset = -standardWest
        if scanner.atEnd {
            daylight = nil
            return
        }
        guard scanner.skipName() else { return nil }
        var daylightOffset = standardOffset + 3600
        if !scanner.atEnd, scanner.peek != UInt8(ascii: ",") {
            guard let west = scanner.time(maxHours: 24) else { return nil }
            daylightOffset = -west
        }
        // Without rules POSIX falls back to the US rules; tzdata always writes them out.
        var rules = "M3.2.0,M11.1.0"
        if !scanner.atEnd {
            guard scanner.take(UInt8(ascii: ",")) else { return nil }
            rules = scanner.rest
        }
        var ruleScanner = Scanner(Array(rules.utf8))
        guard let (start, startTime) = ruleScanner.dayAndTime(), ruleScanner.take(UInt8(ascii: ",")),
              let (end, endTime) = ruleScanner.dayAndTime(), ruleScanner.atEnd
        else { return nil }
        daylight = Daylight(offset: daylightOffset, start: start, startTime: startTime, end: end, endTime: endTime)
    }

    /// The instants daylight time starts and ends in a year, or nil without daylight time.
    func transitions(year: Int64) -> (start: ZoneRules.Transition, end: ZoneRules.Transition)? {
        guard let daylight else { return nil }
        let startWall = PosixTimeZoneRule.days(of: daylight.start, year: year) * 86_400 + Int64(daylight.startTime)
        let endWall = PosixTimeZoneRule.days(of: daylight.end, year: year) * 86_400 + Int64(daylight.endTime)
        return (
            ZoneRules.Transition(at: startWall - Int64(standardOffset), before: standardOffset, after: daylight.offset),
            ZoneRules.Transition(at: endWall - Int64(daylight.offset), before: daylight.offset, after: standardOffset)
        )
    }

    /// Days since the epoch of the day a rule picks in a year.
    private static func days(of rule: DayRule, year: Int64) -> Int64 {
        let january1 = CivilTime.days(year: year, month: 1, day: 1)
        switch rule {
        case .julianWithoutLeapDay(let n):
            return january1 + Int64(n - 1) + (CivilTime.isLeap(year) && n >= 60 ? 1 : 0)
        case .dayOfYear(let n):
            return january1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.days(year: year, month: month, day: 1)
            var day = 1 + (weekday - CivilTime.weekday(days: first) + 7) % 7 + (week - 1) * 7
            if day > CivilTime.daysInMonth(year: year, month: month) { day -= 7 }
            return first + Int64(day - 1)
        }
    }

    /// Scanner reads the pieces of a TZ string from the front.
    private struct Scanner {
        var bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }
        var rest: String { String(decoding: bytes[position...], as: UTF8.self) }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        /// A zone abbreviation: `<...>`, or three or more letters.
        mutating func skipName() -> Bool {
            if take(UInt8(ascii: "<")) {
                guard let close = bytes[position...].firstIndex(of: UInt8(ascii: ">")) else { return false }
                position = close + 1
                return true
            }
            let start = position
            while let byte = peek, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") {
                position += 1
            }
            return position - start >= 3
        }

        mutating func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < maxDigits {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                position += 1
            }
            return digits == 0 ? nil : value
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func time(maxHours: Int) -> Int32? {
            let sign: Int32 = take(UInt8(ascii: "-")) ? -1 : 1
            if sign == 1 { _ = take(UInt8(ascii: "+")) }
            guard let hours = number(maxDigits: 3), hours <= maxHours else { return nil }
            var seconds = hours * 3600
            for unit in [60, 1] where take(UInt8(ascii: ":")) {
                guard let value = number(maxDigits: 2), value < 60 else { return nil }
                seconds += value * unit
            }
            return sign * Int32(seconds)
        }

        /// A day rule and its optional `/time` (default 02:00, up to ±167 hours).
        mutating func dayAndTime() -> (PosixTimeZoneRule.DayRule, Int32)? {
            let rule: PosixTimeZoneRule.DayRule
            if take(UInt8(ascii: "J")) {
                guard let n = number(maxDigits: 3), (1...365).contains(n) else { return nil }
                rule = .julianWithoutLeapDay(n)
            } else if take(UInt8(ascii: "M")) {
                guard let month = number(maxDigits: 2), (1...12).contains(month), take(UInt8(ascii: ".")),
                      let week = number(maxDigits: 1), (1...5).contains(week), take(UInt8(ascii: ".")),
                      let weekday = number(maxDigits: 1), weekday <= 6
                else { return nil }
                rule = .monthWeekDay(month: month, week: week, weekday: weekday)
            } else {
                guard let n = number(maxDigits: 3), n <= 365 else { return nil }
                rule = .dayOfYear(n)
            }
            guard take(UInt8(ascii: "/")) else { return (rule, 7200) }
            guard let time = time(maxHours: 167) else { return nil }
            return (rule, time)
        }
    }
}
