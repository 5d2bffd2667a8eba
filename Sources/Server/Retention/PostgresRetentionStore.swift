// PostgresRetentionStore: the prune statement of run retention, on a PostgreSQL connection of
// its own (so that claims and records never queue behind it on the node's pool).
//
// One statement per batch, each its own short transaction (autocommit): it walks the next
// `jobsPerStatement` job ids that have runs (a loose index scan of job_run_job_id: one probe
// per job, deleted jobs included), and for each job takes the doomed rows from two index
// ranges — ids at or below its keep boundary (job_run_job_id), and ticks before the age cutoff
// (the UNIQUE (job_id, scheduled_at, attempt) index) — at most `batchSize` in all. The DELETE
// re-checks the guards on each row (a live run, a due retry), so a row that changed meanwhile
// stays. It locks only the rows it deletes: claims insert new ticks, and every other write
// (records, lost sweeps, retries) touches live rows or rows with retry_at set, which are never
// deleted. For each job still defined it raises `job_run_horizon` to the latest tick deleted
// (the tick audit lists nothing at or before it); a deleted job's horizon row goes with it.
// EXPLAIN of this statement: perf/RESULTS.md ("Run retention").
import Logging

/// Where run retention deletes.
protocol RetentionStore: AnyObject {
    /// Deletes at most `rules.batchSize` runs of the next `rules.jobsPerStatement` jobs with
    /// runs whose id is above `cursor`, as `rules` says.
    func prune(after cursor: Int64, rules: RetentionRules, completion: @escaping (Result<RetentionPass.Result, StoreError>) -> Void)
}

final class PostgresRetentionStore: RetentionStore {
    private let postgres: PostgresPool

    init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    /// $1 cursor (job id), $2 jobs per statement, $3 default keep, $4 age in ms, $5 batch size.
    static let pruneSQL = """
        WITH RECURSIVE ids(job_id, n) AS (
            (SELECT job_id, 1 FROM job_run WHERE job_id > $1 ORDER BY job_id LIMIT 1)
            UNION ALL
            SELECT (SELECT r.job_id FROM job_run r WHERE r.job_id > ids.job_id ORDER BY r.job_id LIMIT 1), ids.n + 1
            FROM ids WHERE ids.job_id IS NOT NULL AND ids.n < $2
        ), g AS MATERIALIZED (
            SELECT ids.job_id, j.id IS NULL AS gone,
                   (SELECT k.id FROM job_run k WHERE k.job_id = ids.job_id
                    ORDER BY k.id DESC OFFSET coalesce(j.keep_runs, $3::integer) LIMIT 1) AS boundary,
                   (SELECT max(l.scheduled_at) FROM job_run l WHERE l.job_id = ids.job_id) AS latest
            FROM ids LEFT JOIN job j ON j.id = ids.job_id
            WHERE ids.job_id IS NOT NULL
        ), doomed AS (
            SELECT x.id FROM g CROSS JOIN LATERAL (
                SELECT r.id, r.scheduled_at, r.status, r.retry_at FROM job_run r
                WHERE r.job_id = g.job_id AND r.id <= g.boundary
                UNION ALL
                SELECT r.id, r.scheduled_at, r.status, r.retry_at FROM job_run r
                WHERE r.job_id = g.job_id AND r.scheduled_at < now() - $4::bigint * interval '1 millisecond'
                  AND coalesce(r.finished_at, r.scheduled_at) < now() - $4::bigint * interval '1 millisecond'
            ) x
            WHERE x.status NOT IN ('pending', 'running') AND x.retry_at IS NULL AND (g.gone OR x.scheduled_at < g.latest)
            LIMIT $5
        ), deleted AS (
            DELETE FROM job_run r WHERE r.id IN (SELECT id FROM doomed)
              AND r.status NOT IN ('pending', 'running') AND r.retry_at IS NULL
            RETURNING r.job_id, r.scheduled_at
        ), horizon AS (
            INSERT INTO job_run_horizon (job_id, pruned_through)
            SELECT d.job_id, max(d.scheduled_at) FROM deleted d JOIN g ON g.job_id = d.job_id AND NOT g.gone GROUP BY d.job_id
            ON CONFLICT (job_id) DO UPDATE SET pruned_through = greatest(job_run_horizon.pruned_through, excluded.pruned_through)
        ), forgotten AS (
            DELETE FROM job_run_horizon h USING g WHERE g.gone AND h.job_id = g.job_id
        )
        SELECT (SELECT count(*) FROM doomed), (SELECT count(*) FROM deleted), (SELECT count(*) FROM g), (SELECT max(job_id) FROM g)
        """

    func prune(after cursor: Int64, rules: RetentionRules, completion: @escaping (Result<RetentionPass.Result, StoreError>) -> Void) {
        let parameters = [String(cursor), String(rules.jobsPerStatement), String(rules.defaultKeep), String(rules.maxAgeMilliseconds),
                          String(rules.batchSize)]
        postgres.send(PostgresQuery(prepared: "dsched_prune_runs", Self.pruneSQL, parameters) { outcome in
            completion(outcome.mapError(PostgresJobStore.storeError).flatMap { result in
                guard let row = result.rows.first, row.count == 4, let doomed = row[0].flatMap({ Int($0) }),
                      let deleted = row[1].flatMap({ Int($0) }), let jobs = row[2].flatMap({ Int($0) }) else {
                    return .failure(.failed("the prune statement answered an unexpected row"))
                }
                return .success(RetentionPass.Result(doomed: doomed, deleted: deleted, jobs: jobs, lastJob: row[3].flatMap { Int64($0) }))
            })
        })
    }
}
