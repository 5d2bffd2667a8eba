// RelativeTime: an instant relative to now, for tables: "3m ago", "in 12s", "now" (within a
// second either way, where a client's clock and the server's cannot be told apart).
public enum RelativeTime {
    /// `instant` and `now` in epoch milliseconds.
    public static func format(_ instant: Int64, now: Int64) -> String {
        let delta = instant - now
        guard delta.magnitude >= 1000 else { return "now" }
        let span = HumanDuration.format(milliseconds: delta)
        return delta < 0 ? "\(span) ago" : "in \(span)"
    }
}
