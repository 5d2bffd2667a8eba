// PostgresRunStore+Retries: retries as rows. A run that ended failed, timed out or lost with
// attempts left carries `retry_at` (when attempt + 1 is due); claiming that attempt clears it.
// Any node owning the job reads them — those of the jobs it adopts, and every few seconds the
// ones coming due (partial index job_run_retry_due) — so a retry survives a move of its job
// and the death of the node that decided it.
import Logging

extension PostgresRunStore {
    static let retryColumns = "r.id, r.job_id, (extract(epoch FROM r.scheduled_at) * 1000)::bigint, r.attempt + 1, "
        + "(extract(epoch FROM r.retry_at) * 1000)::bigint"

    public func retries(jobIDs: [Int64], completion: @escaping (Result<[StoredRetry], StoreError>) -> Void) {
        guard !jobIDs.isEmpty else { return completion(.success([])) }
        var ids = PostgresArrayLiteral()
        jobIDs.forEach { ids.append(String($0)) }
        let sql = "SELECT \(Self.retryColumns) FROM job_run r JOIN job j ON j.id = r.job_id AND NOT j.paused "
            + "WHERE r.retry_at IS NOT NULL AND r.job_id = ANY($1::bigint[]) ORDER BY r.retry_at"
        postgres.send(PostgresQuery(prepared: "dsched_job_retries", sql, [ids.text]) { outcome in
            completion(outcome.map { $0.rows.compactMap(Self.storedRetry) }.mapError(PostgresJobStore.storeError))
        })
    }

    /// One statement: the due rows, of which those whose next attempt exists (a claim overtook
    /// the update that set retry_at) or whose job is gone are cleared instead of returned.
    public func dueRetries(within milliseconds: Int64, limit: Int, completion: @escaping (Result<[StoredRetry], StoreError>) -> Void) {
        let sql = """
            WITH due AS (
                SELECT r.id, j.id IS NULL AS gone,
                       EXISTS (SELECT 1 FROM job_run n WHERE n.job_id = r.job_id AND n.scheduled_at = r.scheduled_at
                               AND n.attempt = r.attempt + 1) AS taken
                FROM job_run r LEFT JOIN job j ON j.id = r.job_id
                WHERE r.retry_at IS NOT NULL AND r.retry_at <= now() + $1::bigint * interval '1 millisecond'
                  AND NOT coalesce(j.paused, false)
                ORDER BY r.retry_at LIMIT $2
            ), cleared AS (
                UPDATE job_run r SET retry_at = NULL FROM due WHERE r.id = due.id AND (due.gone OR due.taken)
            )
            SELECT \(Self.retryColumns) FROM job_run r JOIN due ON due.id = r.id AND NOT due.gone AND NOT due.taken
            ORDER BY r.retry_at
            """
        postgres.send(PostgresQuery(prepared: "dsched_due_retries", sql, [String(milliseconds), String(limit)]) { outcome in
            completion(outcome.map { $0.rows.compactMap(Self.storedRetry) }.mapError(PostgresJobStore.storeError))
        })
    }

    public func dropRetries(runIDs: [Int64]) {
        guard !runIDs.isEmpty else { return }
        var ids = PostgresArrayLiteral()
        runIDs.forEach { ids.append(String($0)) }
        postgres.send(PostgresQuery("UPDATE job_run SET retry_at = NULL WHERE id = ANY($1::bigint[])", [ids.text]) { [logger] outcome in
            if case .failure(let error) = outcome {
                logger.error("could not clear dropped retries", metadata: ["runs": "\(runIDs)", "error": "\(error)"])
            }
        })
    }

    static func storedRetry(_ row: [String?]) -> StoredRetry? {
        guard row.count == 5, let id = row[0].flatMap({ Int64($0) }), let job = row[1].flatMap({ Int64($0) }),
              let tick = row[2].flatMap({ Int64($0) }), let attempt = row[3].flatMap({ Int($0) }),
              let due = row[4].flatMap({ Int64($0) }) else { return nil }
        return StoredRetry(runID: id, claim: TickClaim(jobID: job, scheduledAt: tick, attempt: attempt), dueAt: due)
    }
}
