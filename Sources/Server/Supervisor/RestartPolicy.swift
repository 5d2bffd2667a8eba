// RestartPolicy: how long a worker slot waits before its next start, after its worker died.
//
// Exponential back-off: 100 ms, doubling with each death in a row, up to 30 s; a worker that
// lived more than 30 s resets the count (it was not a crash loop). So a worker that cannot stay
// up is restarted ever more slowly — a logged crash loop, never a fork storm. Pure: the caller
// passes how long the worker lived, measured on its own clock.
struct RestartPolicy: Equatable {
    static let initialDelay = 0.1
    static let maxDelay = 30.0
    /// Seconds a worker must live for its death not to count as a crash in a row.
    static let resetAfter = 30.0
    /// Deaths in a row from which restarts are logged as a crash loop.
    static let crashLoopAt = 5

    /// Deaths in a row, none after living `resetAfter`.
    private(set) var crashes = 0

    /// The delay (s) before the next start, once a worker that lived `lifetime` seconds died
    /// (nil: no process was started at all, e.g. posix_spawn failed). Counts the death.
    mutating func delay(afterLiving lifetime: Double?) -> Double {
        if let lifetime, lifetime > Self.resetAfter {
            crashes = 0
        }
        // 2^9 · 100 ms is past the cap already: the shift stays small.
        let delay = min(Self.initialDelay * Double(1 << min(crashes, 9)), Self.maxDelay)
        crashes += 1
        return delay
    }

    /// Whether the deaths in a row are many enough to call it a crash loop.
    var isCrashLoop: Bool { crashes >= Self.crashLoopAt }
}
