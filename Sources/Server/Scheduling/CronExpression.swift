// CronExpression parses classic cron (5 fields, or 6 with leading seconds) and finds the next
// matching instant by jumping field by field over the calendar, never by scanning minutes.

/// CronExpression is a parsed cron schedule: the values each field allows.
///
/// Matching follows classic (Vixie) cron: day-of-month and day-of-week are combined with OR
/// when both are restricted (neither starts with `*`), and with AND otherwise.
///
/// Wall times are those of the job's time zone, and each wall-clock match fires **once**:
/// - Spring forward: a matching wall time that does not exist (inside the gap) fires at the
///   first instant after the gap, the transition itself. Several matches inside one gap
///   therefore fire once, together, at that instant.
/// - Fall back: a matching wall time that occurs twice fires at its first occurrence only.
///   During the second pass of the repeated hour no wall time is new, so expressions at the
///   minute or second level (`*/15 * * * *`, `0 * * * *`) do not fire again until the wall
///   clock passes the end of the repeated hour.
///
/// Both rules make a day's ticks one per distinct matching wall time, with no missed and no
/// doubled runs, and make the ticks a pure function of the expression, zone and start.
public struct CronExpression: Equatable, Sendable {
    public let seconds: CronField
    public let minutes: CronField
    public let hours: CronField
    public let daysOfMonth: CronField
    public let months: CronField
    public let daysOfWeek: CronField

    /// The cron text a macro stands for.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    /// Parses 5 fields (`minute hour day-of-month month day-of-week`), 6 fields with a leading
    /// `second`, or one of the fixed macros (`@daily`, ...). `@every` is an interval and is
    /// handled by `Schedule`.
    public init(_ text: String) throws {
        var source = text.trimmingASCIIWhitespace()
        if source.hasPrefix("@") {
            guard let expansion = CronExpression.macros[source.lowercased()] else {
                throw ScheduleError.unknownMacro(text: String(source))
            }
            source = expansion[...]
        }
        let parts = source.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5 || parts.count == 6 else {
            throw ScheduleError.wrongFieldCount(text: String(source), count: parts.count)
        }
        let fields = parts.count == 6 ? parts : ["0"] + parts
        seconds = try CronField(fields[0], kind: .second)
        minutes = try CronField(fields[1], kind: .minute)
        hours = try CronField(fields[2], kind: .hour)
        daysOfMonth = try CronField(fields[3], kind: .dayOfMonth)
        months = try CronField(fields[4], kind: .month)
        daysOfWeek = try CronField(fields[5], kind: .dayOfWeek)
        try checkSomeDayExists(dayOfMonthText: fields[3])
    }

    /// Refuses day-of-month values that no selected month has (`0 0 30 2 *`), which would
    /// never fire. When day-of-week is ORed in, some day always matches.
    private func checkSomeDayExists(dayOfMonthText: Substring) throws {
        guard !usesDayOr else { return }
        // 2000 is a leap year: February counts with its 29th.
        let longest = (1...12).filter(months.contains).map { CivilTime.daysInMonth(year: 2000, month: $0) }.max() ?? 31
        guard daysOfMonth.first > longest else { return }
        throw ScheduleError.neverFires(text: String(dayOfMonthText), allowed: "1-\(longest)")
    }

    /// Day-of-month and day-of-week are both restricted, so a day matching either fires.
    var usesDayOr: Bool {
        !daysOfMonth.isStar && !daysOfWeek.isStar
    }

    /// The first matching instant strictly after `instant` (milliseconds since the epoch),
    /// with wall times read in `zone`; nil only beyond the representable range.
    public func next(after instant: Int64, in zone: ZoneRules) -> Int64? {
        let after = floorDiv(instant, 1000)
        guard after < Int64.max / 1000 - 1 else { return nil }
        let wall = zone.earliestWallTime(firingAtOrAfter: after + 1)
        guard let match = nextMatch(atOrAfter: wall) else { return nil }
        let (fire, overflow) = zone.firstInstant(ofWallTime: match).multipliedReportingOverflow(by: 1000)
        return overflow ? nil : fire
    }

    /// The first matching wall time (seconds, as if UTC) at or after `wall`. Each step jumps to
    /// the next allowed value of one field and resets the finer ones, from months down to
    /// seconds. Every valid expression matches within 400 years (the Gregorian cycle), so the
    /// loop is bounded by that.
    func nextMatch(atOrAfter wall: Int64) -> Int64? {
        var t = CivilTime(seconds: wall)
        let lastYear = t.year + 400
        while t.year <= lastYear {
            guard months.contains(t.month) else {
                if let month = months.next(atOrAfter: t.month + 1) {
                    t = CivilTime(year: t.year, month: month, day: 1)
                } else {
                    t = CivilTime(year: t.year + 1, month: months.first, day: 1)
                }
                continue
            }
            guard let day = nextDay(atOrAfter: t) else {
                t = t.month == 12 ? CivilTime(year: t.year + 1, month: 1, day: 1)
                    : CivilTime(year: t.year, month: t.month + 1, day: 1)
                continue
            }
            if day != t.day {
                t = CivilTime(year: t.year, month: t.month, day: day)
            }
            guard let hour = hours.next(atOrAfter: t.hour) else {
                t = dayAfter(t)
                continue
            }
            if hour != t.hour {
                t.hour = hour
                t.minute = 0
                t.second = 0
            }
            guard let minute = minutes.next(atOrAfter: t.minute) else {
                t = hourAfter(t)
                continue
            }
            if minute != t.minute {
                t.minute = minute
                t.second = 0
            }
            guard let second = seconds.next(atOrAfter: t.second) else {
                t.second = 0
                t.minute += 1
                if t.minute == 60 { t = hourAfter(t) }
                continue
            }
            t.second = second
            return t.seconds
        }
        return nil
    }

    /// The first day of `t`'s month, from `t.day` on, that the day fields allow.
    private func nextDay(atOrAfter t: CivilTime) -> Int? {
        let length = CivilTime.daysInMonth(year: t.year, month: t.month)
        let weekdayOfFirst = CivilTime.weekday(days: CivilTime.days(year: t.year, month: t.month, day: 1))
        // Two copies of the week's bits, so the next allowed weekday is found without wrapping.
        let twoWeeks = daysOfWeek.bits | daysOfWeek.bits << 7
        func nextByWeekday(_ day: Int) -> Int {
            let weekday = (weekdayOfFirst + day - 1) % 7
            return day + (twoWeeks >> UInt64(weekday)).trailingZeroBitCount
        }
        var day = t.day
        while day <= length {
            let byWeek = nextByWeekday(day)
            guard let byMonth = daysOfMonth.next(atOrAfter: day) else {
                return usesDayOr && byWeek <= length ? byWeek : nil
            }
            if usesDayOr {
                day = min(byMonth, byWeek)
                return day <= length ? day : nil
            }
            if byMonth == byWeek { return byMonth <= length ? byMonth : nil }
            day = max(byMonth, byWeek)
        }
        return nil
    }

    private func dayAfter(_ t: CivilTime) -> CivilTime {
        let days = CivilTime.days(year: t.year, month: t.month, day: t.day) + 1
        let (year, month, day) = CivilTime.civil(days: days)
        return CivilTime(year: year, month: month, day: day)
    }

    private func hourAfter(_ t: CivilTime) -> CivilTime {
        guard t.hour < 23 else { return dayAfter(t) }
        return CivilTime(year: t.year, month: t.month, day: t.day, hour: t.hour + 1)
    }
}
