// PostgresRunStore+Lost: the writes that record runs `lost` — the lease sweep's (a node's
// unfinished runs once it holds no lease) and a node's own orphans (claims committed whose
// reply was lost, that no later claim took back). Both set `retry_at` by one rule.
import EventLoop

extension PostgresRunStore {
    /// Rule 2 of issue 12, as RetryPolicy's: a lost run's retry is due now while its job has
    /// attempts left (`attempt <= retries`); a deleted job's run gets none.
    static let retryDueNow = "CASE WHEN r.attempt <= (SELECT j.retries FROM job j WHERE j.id = r.job_id) THEN now() END"

    public func recordLost(_ scope: LostRunScope, completion: @escaping (Result<[String: Int], StoreError>) -> Void) {
        let query: PostgresQuery.Completion = { outcome in
            completion(outcome.map { result in
                var counts: [String: Int] = [:]
                for row in result.rows {
                    if let node = row[0], let count = row[1].flatMap({ Int($0) }) { counts[node] = count }
                }
                return counts
            }.mapError(PostgresJobStore.storeError))
        }
        switch scope {
        case .unleased:
            // The partial index job_run_unfinished (node_id) holds only unfinished rows.
            let unleased = "NOT EXISTS (SELECT 1 FROM node_lease l WHERE l.node_id = r.node_id AND l.expires_at >= now())"
            postgres.send(PostgresQuery(prepared: "dsched_record_lost_unleased", Self.recordLostSQL(where: unleased), [], completion: query))
        case .node(let nodeID):
            postgres.send(PostgresQuery(prepared: "dsched_record_lost_node", Self.recordLostSQL(where: "r.node_id = $1"), [nodeID],
                                        completion: query))
        }
    }

    /// What an orphan's row says: why it was not run.
    static let orphanOutput = "lost: this node's claim of the run was committed but its answer never arrived "
        + "(the connection to PostgreSQL broke), and no later claim took the run back; it was not run"

    public func recordOrphans(nodeID: String, holding: [Int64], olderThan seconds: Double,
                              completion: @escaping (Result<[Int64], StoreError>) -> Void) {
        // A claim in flight or queued may be a reclaim of such a row, whose answer would make
        // it live here: wait until none is.
        guard !claimInFlight, !hasQueuedClaims else { return completion(.success([])) }
        var held = PostgresArrayLiteral()
        (holding + pendingUpdates.map(\.id) + updatingRunIDs).forEach { held.append(String($0)) }
        // A lost run is retried like any other while attempts remain: its retry is due now. The
        // held ids are an anti-join (hashed), not `<> ALL`, which compares every row with every id.
        let sql = "UPDATE job_run r SET status = 'lost', finished_at = now(), output = $3, retry_at = " + Self.retryDueNow
            + " WHERE r.node_id = $1 AND r.status = 'pending' "
            + "AND r.claimed_at < now() - make_interval(secs => $4::double precision) "
            + "AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[]) AS held(id) WHERE held.id = r.id) RETURNING r.id"
        postgres.send(PostgresQuery(prepared: "dsched_record_orphans", sql, [nodeID, held.text, Self.orphanOutput, String(seconds)]) { outcome in
            completion(outcome.map { $0.rows.compactMap { $0[0].flatMap { Int64($0) } } }.mapError(PostgresJobStore.storeError))
        })
    }

    /// Records the unfinished runs matching `condition` (on `r`) lost, with `retry_at` = now
    /// when the job has attempts left (a deleted job's run gets none); one row per node id
    /// with its count. Rule 2 of issue 12: the same rule as RetryPolicy's.
    static func recordLostSQL(where condition: String) -> String {
        """
        WITH lost AS (
            UPDATE job_run r SET status = 'lost', finished_at = now(),
                output = 'dsched: lost: node ' || coalesce(r.node_id, '?') || ' holds no lease (it died, was cut off from PostgreSQL or was restarted) and cannot finish this run' || chr(10),
                retry_at = \(Self.retryDueNow)
            WHERE r.status IN ('pending', 'running') AND \(condition)
            RETURNING r.node_id)
        SELECT coalesce(node_id, ''), count(*) FROM lost GROUP BY node_id
        """
    }
}
