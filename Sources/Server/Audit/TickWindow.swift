// TickWindow: the `from`, `to` and `limit` of GET /jobs/{id}/ticks, validated. Every error
// is a 400 naming its field (the window's size is `from`'s fault: it is the bound a client
// moves when paging with `next_from`).
struct TickWindow: Equatable {
    /// The window, epoch ms, both ends included.
    let from: Int64
    let to: Int64
    /// Ticks listed at most.
    let limit: Int

    static let defaultSpan: Int64 = 86_400_000
    /// 31 days, ms: the widest window.
    static let maxSpan: Int64 = 31 * 86_400_000
    static let defaultLimit = 1_000
    static let maxLimit: Int64 = 10_000

    /// `to` defaults to `now`, `from` to `to` − 24 h, `limit` to 1000 (1-10000). Times are RFC
    /// 3339 (in a query string, write `Z` or escape `+` as `%2B`: a bare `+` reads as a space).
    static func parse(from fromText: String?, to toText: String?, limit limitText: String?, now: Int64) throws(APIError) -> TickWindow {
        let to = try toText.map { text throws(APIError) in try instant(text, "to") } ?? now
        let from = try fromText.map { text throws(APIError) in try instant(text, "from") } ?? to - defaultSpan
        guard from <= to else {
            throw APIError.invalid("from", "invalid_value", "must not be after to (\(RFC3339.format(milliseconds: to)))")
        }
        guard to - from <= maxSpan else {
            throw APIError.invalid("from", "invalid_value", "the window from from to to may span 31 days at most")
        }
        let limit = try APIHandler.integerParameter(limitText, "limit", range: 1...maxLimit) ?? Int64(defaultLimit)
        return TickWindow(from: from, to: to, limit: Int(limit))
    }

    private static func instant(_ text: String, _ field: String) throws(APIError) -> Int64 {
        do {
            return try RFC3339.parse(text)
        } catch {
            throw APIError.invalid(field, "invalid_value", "must be an RFC 3339 time such as 2026-11-29T10:00:00Z, got \"\(text)\"")
        }
    }
}
