// PostgresRunStore: RunStore on the PostgresPool, batched.
//
// Claims made while a claim statement is in flight are sent together in the next one (one
// round trip for every tick that came due meanwhile): INSERT … SELECT FROM unnest(…) ON
// CONFLICT DO NOTHING RETURNING — the rows returned are the ticks this node won. The same
// statement keeps `forbid`/`replace` across nodes (PostgresRunStore+ClaimSQL) and clears the
// retry_at of the attempt a retry claims. A claim made again after its first try failed
// (`reclaim`) also gets back a `pending` row of the same tick that this node holds: the first
// try's COMMIT succeeded but its reply was lost. Such a row no claim takes back (its tick went
// elsewhere) is recorded `lost` by `recordOrphans`. Status updates (started, finished) are
// queued and written in batches the same way; they are not awaited by anyone, and a failed
// batch is logged and retried once the pool is back. They touch only rows still pending or
// running: `lost` is final (issue 12, rule 1), and a late result for such a row is dropped
// with a warning. `recordLost` is the lease sweep's write.
import CoreMetrics
import EventLoop
import Logging

public final class PostgresRunStore: RunStore {
    let postgres: PostgresPool
    let logger: Logger

    private struct PendingClaim {
        let claims: [TickClaim]
        let nodeID: String
        let skipReason: String?
        let concurrency: JobDraft.Concurrency
        let reclaim: Bool
        let completion: (Result<[Run], StoreError>) -> Void
    }

    private var pendingClaims: [PendingClaim] = []
    private(set) var claimInFlight = false
    private(set) var pendingUpdates: [Run] = []
    private var updateInFlight = false
    /// Run ids of the update batch in flight.
    private(set) var updatingRunIDs: [Int64] = []
    /// A failed update batch is retried after this back-off (doubling to 5 s), never at once:
    /// an immediate failure retried immediately would recurse and hammer the database.
    private var retryDelay = 0.1
    private var retryTimer: TimerWatcher!
    /// Told the number of ticks in each claim statement (NodeMetrics.claimBatch).
    var claimBatchSizes = CoreMetrics.Recorder(label: "", factory: NOOPMetricsHandler.instance)

    static let columns = "id, job_id, (extract(epoch FROM scheduled_at) * 1000)::bigint, attempt, node_id, worker_pid, status, "
        + "(extract(epoch FROM started_at) * 1000)::bigint, (extract(epoch FROM finished_at) * 1000)::bigint, exit_code, "
        + "signal, output, output_truncated, max_rss_kb, cpu_user_ms, cpu_system_ms"

    public init(reactor: Reactor, postgres: PostgresPool, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
        retryTimer = TimerWatcher(reactor: reactor) { [unowned self] in flushUpdates() }
    }

    // MARK: - Claims

    public func claim(_ claims: [TickClaim], nodeID: String, skipReason: String?, concurrency: JobDraft.Concurrency, reclaim: Bool,
                      completion: @escaping (Result<[Run], StoreError>) -> Void) {
        pendingClaims.append(PendingClaim(claims: claims, nodeID: nodeID, skipReason: skipReason, concurrency: concurrency,
                                          reclaim: reclaim, completion: completion))
        flushClaims()
    }

    private func flushClaims() {
        guard !claimInFlight, !pendingClaims.isEmpty else { return }
        let batch = pendingClaims
        pendingClaims = []
        claimInFlight = true
        var jobIDs = PostgresArrayLiteral(), ticks = PostgresArrayLiteral(), attempts = PostgresArrayLiteral()
        var nodes = PostgresArrayLiteral(), statuses = PostgresArrayLiteral(), outputs = PostgresArrayLiteral()
        var policies = PostgresArrayLiteral(), reclaims = PostgresArrayLiteral()
        for request in batch {
            for claim in request.claims {
                jobIDs.append(String(claim.jobID))
                ticks.append(RFC3339.format(milliseconds: claim.scheduledAt))
                attempts.append(String(claim.attempt))
                nodes.append(request.nodeID)
                statuses.append(request.skipReason == nil ? Run.Status.pending.rawValue : Run.Status.skipped.rawValue)
                outputs.append(request.skipReason ?? "")
                policies.append(request.concurrency.rawValue)
                reclaims.append(request.reclaim ? "t" : "f")
            }
        }
        claimBatchSizes.record(batch.reduce(0) { $0 + $1.claims.count })
        // Rows this node ran already whose final record is still on its way (queued or being
        // written) are `pending` in the table but must never be taken back by a reclaim.
        var recorded = PostgresArrayLiteral()
        (pendingUpdates.map(\.id) + updatingRunIDs).forEach { recorded.append(String($0)) }
        let parameters = [jobIDs, ticks, attempts, nodes, statuses, outputs, policies, reclaims, recorded].map(\.text)
        postgres.send(PostgresQuery(prepared: "dsched_claim_ticks_v5", Self.claimSQL, parameters) { [self] outcome in
            claimInFlight = false
            switch outcome {
            case .success(let result):
                let won = result.rows.compactMap { row -> Run? in
                    guard var run = Self.run(Array(row.prefix(16))) else { return nil }
                    run.replaces = Self.runsElsewhere(row.count > 16 ? row[16] : nil)
                    return run
                }
                var byClaim: [TickClaim: Run] = [:]
                for run in won {
                    byClaim[TickClaim(jobID: run.jobID, scheduledAt: run.scheduledAt, attempt: run.attempt)] = run
                }
                // Each won run goes to one request only, even if two asked for the same tick.
                for request in batch {
                    request.completion(.success(request.claims.compactMap { byClaim.removeValue(forKey: $0) }))
                }
            case .failure(let error):
                batch.forEach { $0.completion(.failure(PostgresJobStore.storeError(error))) }
            }
            flushClaims()
        })
    }

    // MARK: - Status updates

    /// Whether claims wait for the one in flight.
    var hasQueuedClaims: Bool { !pendingClaims.isEmpty }

    public var hasPendingWrites: Bool { updateInFlight || !pendingUpdates.isEmpty || claimInFlight || !pendingClaims.isEmpty }

    public func started(runID: Int64, workerPID: Int32, at: Int64) {
        enqueue(Run(id: runID, jobID: 0, scheduledAt: 0, attempt: 0, nodeID: nil, workerPID: workerPID, status: .running,
                    startedAt: at, finishedAt: nil, exitCode: nil, signal: nil, output: "", outputTruncated: false))
    }

    public func finished(_ run: Run) {
        enqueue(run)
    }

    private func enqueue(_ run: Run) {
        pendingUpdates.append(run)
        flushUpdates()
    }

    /// One statement for every update queued: each column an array, matched by run id. A
    /// finished row is never set back to running (the started update may arrive second), and
    /// a row already final (a run recorded lost by the lease sweep) is never touched. A
    /// finished run's retry_at is written unless its retry was claimed already (a claim that
    /// overtook this update) or its job was deleted.
    private func flushUpdates() {
        guard !updateInFlight, !retryTimer.isActive, !pendingUpdates.isEmpty else { return }
        let batch = Self.merged(pendingUpdates)
        pendingUpdates = []
        updateInFlight = true
        updatingRunIDs = batch.map(\.id)
        var ids = PostgresArrayLiteral(), pids = PostgresArrayLiteral(), statuses = PostgresArrayLiteral()
        var starts = PostgresArrayLiteral(), finishes = PostgresArrayLiteral(), codes = PostgresArrayLiteral()
        var signals = PostgresArrayLiteral(), outputs = PostgresArrayLiteral(), truncated = PostgresArrayLiteral()
        var rss = PostgresArrayLiteral(), cpuUser = PostgresArrayLiteral(), cpuSystem = PostgresArrayLiteral()
        var retryAts = PostgresArrayLiteral()
        for run in batch {
            ids.append(String(run.id))
            pids.append(run.workerPID.map(String.init))
            statuses.append(run.status.rawValue)
            starts.append(run.startedAt.map { RFC3339.format(milliseconds: $0) })
            finishes.append(run.finishedAt.map { RFC3339.format(milliseconds: $0) })
            codes.append(run.exitCode.map(String.init))
            signals.append(run.signal.map(String.init))
            outputs.append(run.output)
            truncated.append(run.outputTruncated ? "t" : "f")
            rss.append(run.maxRSSKilobytes.map(String.init))
            cpuUser.append(run.cpuUserMilliseconds.map(String.init))
            cpuSystem.append(run.cpuSystemMilliseconds.map(String.init))
            retryAts.append(run.retryAt.map { RFC3339.format(milliseconds: $0) })
        }
        // Rule 1 of issue 12, `lost` is final: only rows still pending or running are
        // updated. The rows of the batch left alone (already final) come back, for the log.
        let sql = """
            WITH u AS (
                SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::integer[],
                                     $7::integer[], $8::text[], $9::boolean[], $10::integer[], $11::bigint[], $12::bigint[],
                                     $13::timestamptz[])
                    AS u(id, pid, status, started_at, finished_at, exit_code, signal, output, truncated, rss, cpu_user, cpu_system,
                         retry_at)),
            updated AS (
                UPDATE job_run r SET
                    worker_pid = coalesce(u.pid, r.worker_pid),
                    status = CASE WHEN u.status = 'running' AND r.status <> 'pending' THEN r.status ELSE u.status END,
                    started_at = coalesce(r.started_at, u.started_at),
                    finished_at = coalesce(u.finished_at, r.finished_at),
                    exit_code = coalesce(u.exit_code, r.exit_code),
                    signal = coalesce(u.signal, r.signal),
                    output = CASE WHEN u.status = 'running' THEN r.output ELSE u.output END,
                    output_truncated = u.truncated OR r.output_truncated,
                    max_rss_kb = coalesce(u.rss, r.max_rss_kb),
                    cpu_user_ms = coalesce(u.cpu_user, r.cpu_user_ms),
                    cpu_system_ms = coalesce(u.cpu_system, r.cpu_system_ms),
                    retry_at = CASE WHEN u.retry_at IS NOT NULL AND EXISTS (SELECT 1 FROM job j WHERE j.id = r.job_id)
                                     AND NOT EXISTS (SELECT 1 FROM job_run n WHERE n.job_id = r.job_id
                                                     AND n.scheduled_at = r.scheduled_at AND n.attempt = r.attempt + 1)
                               THEN u.retry_at ELSE r.retry_at END
                FROM u
                WHERE r.id = u.id AND r.status IN ('pending', 'running')
                RETURNING r.id)
            SELECT r.id, r.status, r.node_id, u.status FROM job_run r JOIN u ON u.id = r.id
            WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = r.id)
            """
        let parameters = [ids, pids, statuses, starts, finishes, codes, signals, outputs, truncated, rss, cpuUser, cpuSystem,
                          retryAts].map(\.text)
        postgres.send(PostgresQuery(prepared: "dsched_update_runs_v3", sql, parameters) { [self] outcome in
            updateInFlight = false
            updatingRunIDs = []
            switch outcome {
            case .failure(let error):
                logger.error("run updates failed; retrying", metadata: ["runs": "\(batch.count)", "in_s": "\(retryDelay)", "error": "\(error)"])
                pendingUpdates.insert(contentsOf: batch, at: 0)
                retryTimer.start(after: retryDelay)
                retryDelay = min(retryDelay * 2, 5)
                return
            case .success(let result):
                for row in result.rows {
                    logger.warning("run result dropped: the run is already final (lost is final)", metadata: [
                        "run_id": "\(row[0] ?? "")", "status": "\(row[1] ?? "")", "node_id": "\(row[2] ?? "")", "result": "\(row[3] ?? "")"])
                }
            }
            retryDelay = 0.1
            flushUpdates()
        })
    }

    /// One update per run: an UPDATE … FROM with two source rows for one target row applies
    /// only one of them, so a run's `started` and `finished` in the same batch become one row.
    static func merged(_ updates: [Run]) -> [Run] {
        var order: [Int64] = []
        var byID: [Int64: Run] = [:]
        for update in updates {
            guard var existing = byID[update.id] else {
                order.append(update.id)
                byID[update.id] = update
                continue
            }
            if update.status == .running {
                existing.workerPID = existing.workerPID ?? update.workerPID
                existing.startedAt = existing.startedAt ?? update.startedAt
            } else {
                let started = existing
                existing = update
                existing.workerPID = existing.workerPID ?? started.workerPID
                existing.startedAt = existing.startedAt ?? started.startedAt
            }
            byID[update.id] = existing
        }
        return order.map { byID[$0]! }
    }

    public func markDone(jobID: Int64) {
        postgres.send(PostgresQuery("UPDATE job SET done = true, updated_at = now(), version = version + 1, updated_by = NULL "
                                    + "WHERE id = $1 AND NOT done", [String(jobID)]) { [logger] outcome in
            if case .failure(let error) = outcome {
                logger.error("could not mark job done", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            }
        })
    }

    // MARK: - Reads

    public func run(id: Int64, completion: @escaping (Result<Run?, StoreError>) -> Void) {
        postgres.send(PostgresQuery("SELECT \(Self.columns) FROM job_run WHERE id = $1", [String(id)]) { outcome in
            completion(outcome.map { $0.rows.first.flatMap(Self.run) }.mapError(PostgresJobStore.storeError))
        })
    }

    public func runs(jobID: Int64, before: Int64, limit: Int, completion: @escaping (Result<[Run], StoreError>) -> Void) {
        let sql = "SELECT \(Self.columns) FROM job_run WHERE job_id = $1 AND ($2::bigint = 0 OR id < $2::bigint) ORDER BY id DESC LIMIT $3"
        postgres.send(PostgresQuery(sql, [String(jobID), String(before), String(limit)]) { outcome in
            completion(outcome.map { $0.rows.compactMap(Self.run) }.mapError(PostgresJobStore.storeError))
        })
    }

    public func lastTicks(jobIDs: [Int64], completion: @escaping (Result<[Int64: Int64], StoreError>) -> Void) {
        guard !jobIDs.isEmpty else { return completion(.success([:])) }
        var ids = PostgresArrayLiteral()
        jobIDs.forEach { ids.append(String($0)) }
        // One backward index probe per job (the UNIQUE index leads with job_id, scheduled_at),
        // not an aggregate over every run of every job.
        let sql = "SELECT u.id, (extract(epoch FROM (SELECT max(r.scheduled_at) FROM job_run r WHERE r.job_id = u.id)) * 1000)::bigint "
            + "FROM unnest($1::bigint[]) AS u(id)"
        postgres.send(PostgresQuery(prepared: "dsched_last_ticks", sql, [ids.text]) { outcome in
            completion(outcome.map { result in
                var ticks: [Int64: Int64] = [:]
                for row in result.rows {
                    if let job = row[0].flatMap({ Int64($0) }), let tick = row[1].flatMap({ Int64($0) }) {
                        ticks[job] = tick
                    }
                }
                return ticks
            }.mapError(PostgresJobStore.storeError))
        })
    }

    static func run(_ row: [String?]) -> Run? {
        guard row.count == 16, let id = row[0].flatMap({ Int64($0) }), let job = row[1].flatMap({ Int64($0) }),
              let tick = row[2].flatMap({ Int64($0) }), let attempt = row[3].flatMap({ Int($0) }),
              let status = row[6].flatMap(Run.Status.init(rawValue:)) else { return nil }
        return Run(id: id, jobID: job, scheduledAt: tick, attempt: attempt, nodeID: row[4],
                   workerPID: row[5].flatMap { Int32($0) }, status: status, startedAt: row[7].flatMap { Int64($0) },
                   finishedAt: row[8].flatMap { Int64($0) }, exitCode: row[9].flatMap { Int32($0) },
                   signal: row[10].flatMap { Int32($0) }, output: row[11] ?? "", outputTruncated: row[12] == "t",
                   maxRSSKilobytes: row[13].flatMap { Int($0) }, cpuUserMilliseconds: row[14].flatMap { Int64($0) },
                   cpuSystemMilliseconds: row[15].flatMap { Int64($0) })
    }
}
