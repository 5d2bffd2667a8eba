// PostgresRunStore+ClaimSQL: the one statement that claims a batch of ticks. Besides inserting
// the rows (ON CONFLICT DO NOTHING: one node wins each tick), it keeps `forbid`/`replace`
// across nodes — a job's runs unfinished on other nodes are looked up (index
// job_run_unfinished_job) for the pending claims of those jobs only, so other claims pay
// nothing —, takes back this node's own `pending` row of a tick claimed again after a failure
// (`reclaim`: the first try's COMMIT succeeded but its reply was lost), and clears the
// retry_at of the attempt a retry claims (DESIGN, Flows 3-4).

extension PostgresRunStore {
    /// The claim statement. A job deleted meanwhile (on another node) is left out, instead of
    /// failing the batch on the foreign key. For a pending claim under forbid or replace, the
    /// job's runs unfinished on other nodes are looked up (READ COMMITTED: those committed when
    /// the statement starts; two nodes claiming different ticks of one job in the same
    /// instant, during a move, may both miss each other's): forbid inserts the row skipped,
    /// naming the oldest; replace returns them as "id node,…" with the won row. A `reclaim`
    /// also takes back the tick's existing row when it is this node's and still `pending`
    /// (giving it the claim's status and output, and a fresh `claimed_at`, so that the orphan
    /// sweep does not take a row just taken back), unless the row is in $9: runs this node
    /// already ran whose final record has not reached the table yet; the UPDATE sees the rows as they were
    /// before the statement, so a row is returned by one part at most.
    static let claimSQL = """
        WITH c AS (
            SELECT u.*, f.run_id, f.run_node, f.elsewhere
            FROM unnest($1::bigint[], $2::timestamptz[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::boolean[])
                AS u(job_id, scheduled_at, attempt, node_id, status, output, concurrency, reclaim)
            LEFT JOIN LATERAL (
                SELECT min(o.id) AS run_id, (array_agg(o.node_id ORDER BY o.id))[1] AS run_node,
                       string_agg(o.id || ' ' || o.node_id, ',' ORDER BY o.id) AS elsewhere
                FROM job_run o
                WHERE u.status = 'pending' AND u.concurrency <> 'allow'
                  AND o.job_id = u.job_id AND o.status IN ('pending', 'running') AND o.node_id <> u.node_id
            ) f ON true
            WHERE EXISTS (SELECT 1 FROM job j WHERE j.id = u.job_id)
        ), d AS (
            SELECT c.*,
                   CASE WHEN concurrency = 'forbid' AND run_id IS NOT NULL THEN 'skipped' ELSE status END AS claim_status,
                   CASE WHEN concurrency = 'forbid' AND run_id IS NOT NULL
                        THEN 'forbid: run ' || run_id || ' of this job is live on node ' || run_node ELSE output END AS claim_output
            FROM c
        ), ins AS (
            INSERT INTO job_run (job_id, scheduled_at, attempt, node_id, status, output)
            SELECT job_id, scheduled_at, attempt, node_id, claim_status, claim_output FROM d
            ON CONFLICT (job_id, scheduled_at, attempt) DO NOTHING RETURNING *
        ), reclaimed AS (
            UPDATE job_run r SET status = d.claim_status, output = d.claim_output, claimed_at = now() FROM d
            WHERE d.reclaim AND r.job_id = d.job_id AND r.scheduled_at = d.scheduled_at AND r.attempt = d.attempt
              AND r.node_id = d.node_id AND r.status = 'pending' AND r.id <> ALL($9::bigint[])
            RETURNING r.*
        ), won AS (
            SELECT * FROM ins UNION ALL SELECT * FROM reclaimed
        ), cleared AS (
            UPDATE job_run r SET retry_at = NULL FROM won
            WHERE won.attempt > 1 AND r.job_id = won.job_id AND r.scheduled_at = won.scheduled_at
              AND r.attempt = won.attempt - 1 AND r.retry_at IS NOT NULL
        )
        SELECT \(columns), x.replaces
        FROM won LEFT JOIN (
            SELECT job_id AS x_job, scheduled_at AS x_tick, attempt AS x_attempt, elsewhere AS replaces
            FROM c WHERE concurrency = 'replace' AND elsewhere IS NOT NULL
        ) x ON x.x_job = won.job_id AND x.x_tick = won.scheduled_at AND x.x_attempt = won.attempt
        """

    /// "id node,id node" → run id → node id.
    static func runsElsewhere(_ text: String?) -> [Int64: String] {
        var runs: [Int64: String] = [:]
        for entry in (text ?? "").split(separator: ",") {
            let parts = entry.split(separator: " ")
            if parts.count == 2, let id = Int64(parts[0]) {
                runs[id] = String(parts[1])
            }
        }
        return runs
    }
}
