// Timestamp: the API's RFC 3339 UTC times ("2026-03-29T01:00:00Z", with ".123" when the
// milliseconds are not zero; README "The REST API") to epoch milliseconds and back.
import Foundation

public enum Timestamp {
    /// Epoch milliseconds, or nil when `text` is not RFC 3339 (RFC 3339 §5.6).
    public static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return milliseconds(date) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map(milliseconds)
    }

    /// Now, in epoch milliseconds.
    public static func now() -> Int64 {
        milliseconds(Date())
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
