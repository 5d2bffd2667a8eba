// Job: a stored job — its definition plus what the store assigns (id, timestamps, version).
public struct Job: Equatable, Sendable {
    public let id: Int64
    public var definition: JobDraft
    /// A non-repeating job that has run.
    public var done: Bool
    public let createdAt: Int64
    public var updatedAt: Int64
    /// Incremented by every update; updates are conditional on it (optimistic concurrency).
    public var version: Int

    public init(id: Int64, definition: JobDraft, done: Bool, createdAt: Int64, updatedAt: Int64, version: Int) {
        self.id = id
        self.definition = definition
        self.done = done
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// The next tick strictly after `now`, or nil when the job is paused, done or has no more.
    public func nextRun(after now: Int64) -> Int64? {
        guard !definition.paused, !done, let times = try? definition.fireTimes() else { return nil }
        return times.next(after: now)
    }
}
