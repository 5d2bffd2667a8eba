// PostgresJobStore: JobStore on a PostgresPool, with group commit for submissions.
//
// Group commit: submissions that arrive while every connection has an insert in flight wait
// in `pendingCreates`; when one completes, all of them (up to `maxRowsPerInsert` rows) go out
// as one prepared INSERT … SELECT FROM unnest(…) — one round trip and one commit for many
// requests. At
// most one insert per pool connection is in flight, so the loop assembles the next batch
// while PostgreSQL commits the last. Each request is told
// only after the commit that holds its rows. A request's rows are never split across
// statements (an array submission is all or nothing). Should a combined statement fail on
// the server, each request's rows are retried alone so that one bad request cannot sink the
// others.
import Foundation

public final class PostgresJobStore: JobStore {
    private let postgres: PostgresPool
    /// Recorded as `updated_by` on every row this node writes.
    private let nodeID: String
    private var pendingCreates: [(drafts: [JobDraft], completion: (Result<[Job], StoreError>) -> Void)] = []
    private var insertsInFlight = 0

    /// Bounds one statement's rows (and so the size of its array parameters).
    static let maxRowsPerInsert = 1000

    public init(postgres: PostgresPool, nodeID: String) {
        self.postgres = postgres
        self.nodeID = nodeID
    }

    public var isAvailable: Bool { postgres.isReady }
    public var unavailableReason: String { postgres.unavailableReason }

    // MARK: - Create (group commit)

    public func create(_ drafts: [JobDraft], completion: @escaping (Result<[Job], StoreError>) -> Void) {
        pendingCreates.append((drafts, completion))
        if insertsInFlight < postgres.size {
            flushCreates()
        }
    }

    private func flushCreates() {
        guard !pendingCreates.isEmpty else { return }
        var rows = 0
        var take = 0
        while take < pendingCreates.count && (take == 0 || rows + pendingCreates[take].drafts.count <= Self.maxRowsPerInsert) {
            rows += pendingCreates[take].drafts.count
            take += 1
        }
        let batch = Array(pendingCreates.prefix(take))
        pendingCreates.removeFirst(take)
        insertsInFlight += 1
        insert(batch.flatMap(\.drafts)) { [self] outcome in
            switch outcome {
            case .success(let jobs):
                var offset = 0
                for request in batch {
                    request.completion(.success(Array(jobs[offset..<(offset + request.drafts.count)])))
                    offset += request.drafts.count
                }
                finishedInsert()
            case .failure(.server) where batch.count > 1:
                insertSeparately(batch[...])
            case .failure(let error):
                batch.forEach { $0.completion(.failure(Self.storeError(error))) }
                finishedInsert()
            }
        }
    }

    /// After a combined insert failed: each request's rows alone, one after the other.
    private func insertSeparately(_ requests: ArraySlice<(drafts: [JobDraft], completion: (Result<[Job], StoreError>) -> Void)>) {
        guard let request = requests.first else {
            finishedInsert()
            return
        }
        insert(request.drafts) { [self] outcome in
            request.completion(outcome.mapError(Self.storeError))
            insertSeparately(requests.dropFirst())
        }
    }

    private func finishedInsert() {
        insertsInFlight -= 1
        flushCreates()
    }

    /// One statement text whatever the batch size: each column travels as one array
    /// parameter, so PostgreSQL parses a 19-parameter statement instead of one with 18 per row.
    static let insertSQL = "INSERT INTO job (name, description, frequency, startdate, script, repeat, timezone, timeout_ms, "
        + "retries, retry_backoff_ms, concurrency, misfire, paused, max_concurrency, run_as, max_memory_bytes, max_cpu_s, "
        + "keep_runs, updated_by) SELECT *, $19::text FROM unnest($1::text[], "
        + "$2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::boolean[], $7::text[], $8::bigint[], $9::integer[], "
        + "$10::bigint[], $11::text[], $12::text[], $13::boolean[], $14::integer[], $15::text[], $16::bigint[], $17::integer[], "
        + "$18::integer[]) "
        + "RETURNING id, (extract(epoch FROM created_at) * 1000)::bigint"

    private func insert(_ drafts: [JobDraft], completion: @escaping (Result<[Job], PostgresError>) -> Void) {
        var columns = [PostgresArrayLiteral](repeating: PostgresArrayLiteral(), count: Self.parameterCount)
        for draft in drafts {
            for (index, value) in Self.parameters(of: draft).enumerated() {
                columns[index].append(value)
            }
        }
        // Only the id and the commit time come back: the rest of each row is the draft itself
        // (a new row has version 1, is not done, and was updated when it was created).
        postgres.send(PostgresQuery(prepared: "dsched_insert_jobs_v2", Self.insertSQL, columns.map { $0.text } + [nodeID]) { outcome in
            completion(outcome.flatMap { result in
                // Committed, but not as expected: not a server refusal (which would be retried
                // request by request and could insert twice).
                guard result.rows.count == drafts.count else {
                    return .failure(.connectionLost("insert returned \(result.rows.count) rows for \(drafts.count)"))
                }
                var jobs: [Job] = []
                jobs.reserveCapacity(drafts.count)
                for (draft, row) in zip(drafts, result.rows) {
                    guard row.count == 2, let id = row[0].flatMap({ Int64($0) }), let created = row[1].flatMap({ Int64($0) }) else {
                        return .failure(.connectionLost("insert returned a malformed row"))
                    }
                    jobs.append(Job(id: id, definition: draft, done: false, createdAt: created, updatedAt: created, version: 1))
                }
                return .success(jobs)
            })
        })
    }

    // MARK: - Read, update, delete

    public func fetch(id: Int64, completion: @escaping (Result<Job?, StoreError>) -> Void) {
        query("SELECT \(Self.columns) FROM job WHERE id = $1", [String(id)]) { completion($0.map(\.first)) }
    }

    public func list(after: Int64, limit: Int, name: String?, completion: @escaping (Result<[Job], StoreError>) -> Void) {
        if let name {
            query("SELECT \(Self.columns) FROM job WHERE name = $1 AND id > $2 ORDER BY id LIMIT $3",
                  [name, String(after), String(limit)], completion: completion)
        } else {
            query("SELECT \(Self.columns) FROM job WHERE id > $1 ORDER BY id LIMIT $2",
                  [String(after), String(limit)], completion: completion)
        }
    }

    public func update(_ job: Job, to definition: JobDraft, completion: @escaping (Result<Job?, StoreError>) -> Void) {
        let sql = "UPDATE job SET name = $1, description = $2, frequency = $3, startdate = $4, script = $5, repeat = $6, "
            + "timezone = $7, timeout_ms = $8, retries = $9, retry_backoff_ms = $10, concurrency = $11, misfire = $12, "
            + "paused = $13, max_concurrency = $14, run_as = $15, max_memory_bytes = $16, max_cpu_s = $17, keep_runs = $18, "
            + "updated_at = now(), version = version + 1, updated_by = $21 WHERE id = $19 AND version = $20 "
            + "RETURNING " + Self.columns
        query(sql, Self.parameters(of: definition) + [String(job.id), String(job.version), nodeID]) { completion($0.map(\.first)) }
    }

    /// Rows are read by the transaction that last wrote them (`change_xid`, set by a trigger
    /// on every write, migration 8). The next mark is the xmin of the snapshot the rows were
    /// read with: a transaction still open then has an xid at or above it, so its rows are read
    /// again once it commits, however long after its `now()` that is. An incremental read
    /// leaves out this node's own writes (applied when it made them).
    public func versions(changedSince since: UInt64?, completion: @escaping (Result<JobVersions, StoreError>) -> Void) {
        let sql = "SELECT id, version, NULL FROM job WHERE NOT done "
            + "AND ($1::xid8 IS NULL OR (change_xid >= $1::xid8 AND updated_by IS DISTINCT FROM $2)) "
            + "UNION ALL SELECT NULL, NULL, pg_snapshot_xmin(pg_current_snapshot())::text"
        postgres.send(PostgresQuery(prepared: "dsched_job_versions", sql, [since.map(String.init), nodeID]) { outcome in
            completion(outcome.mapError(Self.storeError).flatMap { result in
                JobVersions(rows: result.rows).map(Result.success) ?? .failure(.failed("job versions came without a change mark"))
            })
        })
    }

    public func fetch(ids: [Int64], completion: @escaping (Result<[Job], StoreError>) -> Void) {
        var array = PostgresArrayLiteral()
        ids.forEach { array.append(String($0)) }
        query("SELECT \(Self.columns) FROM job WHERE id = ANY($1::bigint[])", [array.text], completion: completion)
    }

    /// Deletes the row and clears the retries of its runs (retry_at), so that the index of due
    /// retries holds no deleted job's; the runs themselves stay (history).
    public func delete(id: Int64, completion: @escaping (Result<Bool, StoreError>) -> Void) {
        let sql = "WITH gone AS (DELETE FROM job WHERE id = $1 RETURNING id), "
            + "cleared AS (UPDATE job_run SET retry_at = NULL WHERE job_id IN (SELECT id FROM gone) AND retry_at IS NOT NULL) "
            + "SELECT id FROM gone"
        postgres.send(PostgresQuery(sql, [String(id)]) { outcome in
            completion(outcome.map { !$0.rows.isEmpty }.mapError(Self.storeError))
        })
    }

    private func query(_ sql: String, _ parameters: [String?], completion: @escaping (Result<[Job], StoreError>) -> Void) {
        postgres.send(PostgresQuery(sql, parameters) { outcome in
            switch outcome {
            case .success(let result):
                do {
                    completion(.success(try result.rows.map(Self.job)))
                } catch {
                    completion(.failure(.failed("\(error)")))
                }
            case .failure(let error):
                completion(.failure(Self.storeError(error)))
            }
        })
    }

    // MARK: - Rows

    /// Timestamps travel as epoch milliseconds: exact, and no time-zone parsing on either side.
    static let columns = "id, name, description, frequency, (extract(epoch FROM startdate) * 1000)::bigint, script, "
        + "repeat, timezone, timeout_ms, retries, retry_backoff_ms, concurrency, misfire, paused, done, "
        + "(extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM updated_at) * 1000)::bigint, version, "
        + "max_concurrency, run_as, max_memory_bytes, max_cpu_s, keep_runs"

    /// The columns a draft fills, in `parameters(of:)` order.
    static let parameterCount = 18

    static func parameters(of draft: JobDraft) -> [String?] {
        [draft.name, draft.description, draft.frequency, RFC3339.format(milliseconds: draft.startdate), draft.script,
         draft.repeats ? "t" : "f", draft.timezone, draft.timeoutMilliseconds.map(String.init), String(draft.retries),
         String(draft.retryBackoffMilliseconds), draft.concurrency.rawValue, draft.misfire.rawValue, draft.paused ? "t" : "f",
         draft.maxConcurrency.map(String.init), draft.runAs, draft.maxMemoryBytes.map(String.init),
         draft.maxCPUSeconds.map(String.init), draft.keepRuns.map(String.init)]
    }

    struct RowError: Error, CustomStringConvertible {
        let description: String
    }

    static func job(_ row: [String?]) throws -> Job {
        func text(_ index: Int) throws -> String {
            guard index < row.count, let value = row[index] else { throw RowError(description: "column \(index) is NULL") }
            return value
        }
        func integer(_ index: Int) throws -> Int64 {
            guard let value = Int64(try text(index)) else { throw RowError(description: "column \(index) is not an integer") }
            return value
        }
        func flag(_ index: Int) throws -> Bool { try text(index) == "t" }
        var draft = JobDraft(name: try text(1), frequency: try text(3), startdate: try integer(4), script: try text(5))
        draft.description = try text(2)
        draft.repeats = try flag(6)
        draft.timezone = try text(7)
        draft.timeoutMilliseconds = row[8] == nil ? nil : try integer(8)
        draft.retries = Int(try integer(9))
        draft.retryBackoffMilliseconds = try integer(10)
        guard let concurrency = JobDraft.Concurrency(rawValue: try text(11)),
              let misfire = JobDraft.Misfire(rawValue: try text(12)) else {
            throw RowError(description: "unknown concurrency or misfire policy")
        }
        draft.concurrency = concurrency
        draft.misfire = misfire
        draft.paused = try flag(13)
        draft.maxConcurrency = row[18] == nil ? nil : Int(try integer(18))
        draft.runAs = row[19]
        draft.maxMemoryBytes = row[20] == nil ? nil : try integer(20)
        draft.maxCPUSeconds = row[21] == nil ? nil : try integer(21)
        draft.keepRuns = row[22] == nil ? nil : Int(try integer(22))
        return Job(id: try integer(0), definition: draft, done: try flag(14), createdAt: try integer(15),
                   updatedAt: try integer(16), version: Int(try integer(17)))
    }

    static func storeError(_ error: PostgresError) -> StoreError {
        switch error {
        case .unavailable(let reason): return .unavailable(reason)
        case .connectionLost(let reason): return .unavailable("connection lost; the request may or may not have been applied: \(reason)")
        // A restart or a deadlock: the caller waits and tries again (ticks wait for the store,
        // requests get 503 + Retry-After), instead of dropping what it asked.
        case .server(let state, let message) where error.isTransient: return .unavailable("\(state): \(message)")
        case .server(let state, let message): return .failed("\(state): \(message)")
        }
    }
}
