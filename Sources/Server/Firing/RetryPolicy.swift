// RetryPolicy: when a failed, timed-out or lost run is tried again. A job has `retries`
// attempts beyond the first, each after `retry_backoff · 2^(attempt-1)` (exponential back-off,
// as Celery's and Kubernetes' Jobs do), capped so that no back-off and attempt can overflow
// the clock or push a retry beyond a month.

/// RetryPolicy is the pure retry rule of one job definition.
struct RetryPolicy: Equatable {
    /// The longest wait before a retry (30 days, in ms), whatever the back-off and attempt.
    static let maxDelay: Int64 = 30 * 86_400_000

    /// No retry.
    static let never = RetryPolicy(retries: 0, backoff: 0)

    /// Attempts allowed beyond the first.
    let retries: Int
    /// The first retry's delay, ms.
    let backoff: Int64

    init(retries: Int, backoff: Int64) {
        self.retries = retries
        self.backoff = backoff
    }

    init(_ definition: JobDraft) {
        self.init(retries: definition.retries, backoff: definition.retryBackoffMilliseconds)
    }

    /// Whether a run that ended with `status` on attempt `attempt` (1-based) is tried again.
    func retries(_ status: Run.Status, attempt: Int) -> Bool {
        status.isFailure && attempt <= retries
    }

    /// Milliseconds to wait after failed attempt `attempt` (1-based): backoff · 2^(attempt-1),
    /// saturating at `maxDelay`.
    func delay(attempt: Int) -> Int64 {
        let (scaled, overflow) = backoff.multipliedReportingOverflow(by: Int64(1) << min(max(attempt - 1, 0), 30))
        return overflow ? Self.maxDelay : min(max(scaled, 0), Self.maxDelay)
    }
}

extension Run.Status {
    /// Failed, timed out or lost: the outcomes a retry answers.
    var isFailure: Bool { self == .failed || self == .timedOut || self == .lost }
}
