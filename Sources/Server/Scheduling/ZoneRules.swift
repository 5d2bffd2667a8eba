// ZoneRules answers the two questions cron needs of a time zone: which UTC offset is in force
// at an instant, and at which instant a wall-clock time first happens. It reads the system's
// TZif files itself (see ZoneRules+TZif.swift) so that both answers are exact, take a binary
// search, and follow the same tzdata as the rest of the machine.

import Synchronization

/// ZoneRules is the offset history of one IANA time zone.
///
/// Instants and wall times here are seconds: an instant counts from the Unix epoch in UTC; a
/// wall time counts the same way but reads the zone's clock as if it were UTC.
public struct ZoneRules: Sendable, Equatable {
    /// A change of UTC offset at an instant.
    struct Transition: Equatable {
        let at: Int64
        let before: Int32
        let after: Int32
    }

    /// The IANA name, such as `Europe/London`.
    public let identifier: String
    /// Instants at which the offset changes, ascending.
    let times: [Int64]
    /// `offsets[i]` is in force from `times[i]` on, in seconds east of UTC.
    let offsets: [Int32]
    /// The offset before the first transition.
    let initialOffset: Int32
    /// The yearly rule in force after the last listed transition, if any.
    let rule: PosixTimeZoneRule?

    init(identifier: String, times: [Int64], offsets: [Int32], initialOffset: Int32, rule: PosixTimeZoneRule?) {
        self.identifier = identifier
        self.times = times
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.rule = rule
    }

    /// Coordinated Universal Time, the default zone of a job; needs no file.
    public static let utc = ZoneRules(identifier: "UTC", times: [], offsets: [], initialOffset: 0, rule: nil)

    private static let cache = Mutex<[String: ZoneRules]>(["UTC": utc])

    /// The rules of an IANA zone name, read once from the zoneinfo directory (`$TZDIR`, or
    /// `/usr/share/zoneinfo`) and cached. Throws `ScheduleError.unknownZone` for a name that is
    /// not there, and for names that try to leave the directory.
    public static func named(_ name: String) throws -> ZoneRules {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard isPlausibleName(name), let rules = ZoneRules(tzifNamed: name) else {
            throw ScheduleError.unknownZone(name: name)
        }
        cache.withLock { $0[name] = rules }
        return rules
    }

    /// Letters, digits, `_`, `-`, `+` and `/`-separated components, none of them `.` or `..`.
    private static func isPlausibleName(_ name: String) -> Bool {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && name.utf8.count < 256 && components.allSatisfy { component in
            !component.isEmpty && !component.hasPrefix(".") && component.utf8.allSatisfy { byte in
                (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            }
        }
    }

    public static func == (lhs: ZoneRules, rhs: ZoneRules) -> Bool {
        lhs.identifier == rhs.identifier && lhs.times == rhs.times && lhs.offsets == rhs.offsets
            && lhs.initialOffset == rhs.initialOffset && lhs.rule == rhs.rule
    }

    /// The UTC offset in force at an instant, in seconds east of UTC.
    func offset(at instant: Int64) -> Int32 {
        transition(atOrBefore: instant)?.after ?? initialOffset
    }

    /// The last offset change at or before an instant.
    func transition(atOrBefore instant: Int64) -> Transition? {
        let listed = lastListedIndex(atOrBefore: instant).map(listedTransition)
        let lastListed = times.last ?? Int64.min
        guard instant > lastListed else { return listed }
        var best = listed
        forEachRuleTransition(near: instant) { candidate in
            if candidate.at <= instant, candidate.at > lastListed, candidate.at >= (best?.at ?? Int64.min) {
                best = candidate
            }
        }
        return best
    }

    /// The first offset change strictly after an instant.
    func transition(after instant: Int64) -> Transition? {
        let index = (lastListedIndex(atOrBefore: instant) ?? -1) + 1
        if index < times.count { return listedTransition(index) }
        let lastListed = times.last ?? Int64.min
        var best: Transition?
        forEachRuleTransition(near: instant) { candidate in
            if candidate.at > instant, candidate.at > lastListed, candidate.at < (best?.at ?? Int64.max) {
                best = candidate
            }
        }
        return best
    }

    /// The first instant whose wall time is `wall`; for a wall time skipped by a forward jump
    /// (inside the gap), the instant the gap ends.
    ///
    /// Walks the periods of constant offset that could hold `wall` (offsets are within ±26
    /// hours), earliest first, so an ambiguous wall time gets its first occurrence.
    func firstInstant(ofWallTime wall: Int64) -> Int64 {
        var periodStart = wall - 26 * 3600
        var offset = Int64(offset(at: periodStart))
        while true {
            let candidate = wall - offset
            guard let next = transition(after: periodStart), candidate >= next.at else { return candidate }
            if wall < next.at + Int64(next.after) { return next.at }
            periodStart = next.at
            offset = Int64(next.after)
        }
    }

    /// The smallest wall time whose `firstInstant(ofWallTime:)` is at or after `instant`: the
    /// wall time at `instant`, except at a gap's end (where the skipped wall times fire) and
    /// in the second pass of a repeated hour (whose wall times fired in the first pass).
    func earliestWallTime(firingAtOrAfter instant: Int64) -> Int64 {
        guard let last = transition(atOrBefore: instant) else { return instant + Int64(initialOffset) }
        if last.at == instant { return instant + Int64(last.before) }
        let wall = instant + Int64(last.after)
        if last.after < last.before, wall < last.at + Int64(last.before) {
            return last.at + Int64(last.before)
        }
        return wall
    }

    private func listedTransition(_ index: Int) -> Transition {
        Transition(at: times[index], before: index == 0 ? initialOffset : offsets[index - 1], after: offsets[index])
    }

    /// Binary search for the last listed transition at or before an instant.
    private func lastListedIndex(atOrBefore instant: Int64) -> Int? {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= instant { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// Visits the rule's transitions in the years around an instant: enough to hold the one
    /// before and the one after it. Daylight-time starts come last so that they win ties.
    private func forEachRuleTransition(near instant: Int64, _ body: (Transition) -> Void) {
        guard let rule else { return }
        let year = CivilTime(seconds: instant + Int64(rule.standardOffset)).year
        for candidateYear in (year - 1)...(year + 1) {
            if let (start, end) = rule.transitions(year: candidateYear) {
                body(end)
                body(start)
            }
        }
    }
}
