// FireTimes is the deterministic tick sequence of one job. Every node computes the same ticks
// from the same job row, which is what lets `UNIQUE (job_id, scheduled_at)` make a tick fire
// once cluster-wide, and a new owner after failover pick up exactly where the old one was.

/// FireTimes combines a schedule with a job's start, repeat flag and time zone.
///
/// - Interval ticks are `start + k·period` for k ≥ 1 (one period after the start).
/// - Cron ticks are the matching instants strictly after `start`.
/// - Without repeat only the first tick exists; a period of 0 without repeat means "once, at
///   `start`".
/// - Every schedule ends with year 9999 (`lastInstant`): what RFC 3339 and PostgreSQL both
///   represent. A tick after it does not exist, so `first` and `next` answer nil instead.
///
/// Instants are milliseconds since the Unix epoch (UTC).
public struct FireTimes: Sendable, Equatable {
    /// 9999-12-31T23:59:59.999Z, the last instant a tick may fall on.
    public static let lastInstant: Int64 = 253_402_300_799_999


    public let schedule: Schedule
    public let start: Int64
    public let repeats: Bool
    public let zone: ZoneRules

    /// Throws `ScheduleError.repeatingZeroFrequency` for a period of 0 that repeats.
    public init(schedule: Schedule, start: Int64, repeats: Bool, zone: ZoneRules = .utc) throws {
        if case .interval(0) = schedule, repeats { throw ScheduleError.repeatingZeroFrequency }
        self.schedule = schedule
        self.start = start
        self.repeats = repeats
        self.zone = zone
    }

    /// The first tick, or nil when it lies after `lastInstant`.
    public func first() -> Int64? {
        switch schedule {
        case .interval(let period):
            let (tick, overflow) = start.addingReportingOverflow(period)
            return overflow ? nil : Self.bounded(tick)
        case .cron(let expression):
            return Self.bounded(expression.next(after: start, in: zone))
        }
    }

    /// The first tick strictly after `instant`, or nil when there is none up to `lastInstant`.
    public func next(after instant: Int64) -> Int64? {
        guard instant < Self.lastInstant else { return nil }
        return Self.bounded(unboundedNext(after: instant))
    }

    private static func bounded(_ tick: Int64?) -> Int64? {
        tick.flatMap { $0 <= lastInstant ? $0 : nil }
    }

    private func unboundedNext(after instant: Int64) -> Int64? {
        guard repeats else {
            guard let tick = first(), tick > instant else { return nil }
            return tick
        }
        switch schedule {
        case .interval(let period):
            guard instant >= start else { return first() }
            // instant - start may overflow for extreme inputs; then so would the tick.
            let (elapsed, overflow) = instant.subtractingReportingOverflow(start)
            guard !overflow else { return nil }
            let (offset, tooFar) = (elapsed / period + 1).multipliedReportingOverflow(by: period)
            let (tick, beyond) = start.addingReportingOverflow(offset)
            return tooFar || beyond ? nil : tick
        case .cron(let expression):
            return expression.next(after: max(instant, start), in: zone)
        }
    }
}
