// PostgresRunStore+Ticks: the rows the tick audit joins with a job's computed ticks — one
// range scan of the UNIQUE (job_id, scheduled_at, attempt) index, plus the job's prune
// horizon (job_run_horizon) as a marked row of the same statement. Skipped rows bring the
// first word of their output (forbid, backlog, misfire: the reason dsched recorded), no other
// row brings any output.

/// What the tick audit reads.
protocol TickRowStore: AnyObject {
    /// The rows of `jobID` whose tick lies in [`from`, `through`] (epoch ms), and the latest
    /// tick retention pruned runs of (nil: none).
    func tickRows(jobID: Int64, from: Int64, through: Int64,
                  completion: @escaping (Result<(rows: [TickAudit.Row], prunedThrough: Int64?), StoreError>) -> Void)
}

extension PostgresRunStore: TickRowStore {
    static let tickRowsSQL = """
        SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint, attempt, id, status,
               CASE WHEN status = 'skipped' THEN split_part(left(output, 100), ':', 1) END
        FROM job_run WHERE job_id = $1 AND scheduled_at >= $2::timestamptz AND scheduled_at <= $3::timestamptz
        UNION ALL
        SELECT (extract(epoch FROM pruned_through) * 1000)::bigint, NULL, NULL, NULL, NULL FROM job_run_horizon WHERE job_id = $1
        """

    func tickRows(jobID: Int64, from: Int64, through: Int64,
                  completion: @escaping (Result<(rows: [TickAudit.Row], prunedThrough: Int64?), StoreError>) -> Void) {
        let parameters = [String(jobID), RFC3339.format(milliseconds: from), RFC3339.format(milliseconds: through)]
        postgres.send(PostgresQuery(prepared: "dsched_tick_rows", Self.tickRowsSQL, parameters) { outcome in
            completion(outcome.mapError(PostgresJobStore.storeError).map { result in
                var rows: [TickAudit.Row] = []
                var horizon: Int64?
                for row in result.rows {
                    guard row.count == 5, let tick = row[0].flatMap({ Int64($0) }) else { continue }
                    guard let attempt = row[1].flatMap({ Int($0) }), let id = row[2].flatMap({ Int64($0) }),
                          let status = row[3].flatMap(Run.Status.init(rawValue:)) else {
                        horizon = tick
                        continue
                    }
                    rows.append(TickAudit.Row(tick: tick, attempt: attempt, runID: id, status: status, reason: row[4]))
                }
                return (rows, horizon)
            })
        })
    }
}
