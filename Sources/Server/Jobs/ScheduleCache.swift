// ScheduleCache: parsed schedules by frequency text.
//
// A node sees the same few frequencies over and over (every submission validates one, every
// response computes a next run), and parsing cron text costs microseconds each time. Used
// from the reactor thread only; bounded by clearing when full (a burst of distinct
// frequencies costs a re-parse, never memory).
enum ScheduleCache {
    static let capacity = 4096
    private static var entries: [String: Schedule] = [:]

    static func schedule(_ frequency: String) throws -> Schedule {
        if let cached = entries[frequency] { return cached }
        let schedule = try Schedule.parse(frequency)
        if entries.count >= capacity {
            entries.removeAll(keepingCapacity: true)
        }
        entries[frequency] = schedule
        return schedule
    }
}
