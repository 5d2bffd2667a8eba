// TicksAPI: the tick audit (issue 13, item 5; TickAudit says what each outcome means).
//
//   GET /jobs/{id}/ticks   ?from=<RFC 3339> &to=<RFC 3339> &limit=1..10000 (1000) → 200, 404
//
// and the audit's part of GET /jobs/{id}: `last_run` and `missed_ticks_24h` (`detail`). The
// ticks are computed on the loop (at most `limit` + 1 schedule evaluations), the rows read by
// one indexed range query over the listed ticks only.
final class TicksAPI {
    private let jobStore: JobStore
    private let runStore: RunStore & TickRowStore
    private let authenticator: Authenticator
    /// Now, epoch ms (the cluster's clock).
    private let now: () -> Int64

    /// The stretch `missed_ticks_24h` covers, ms.
    static let detailSpan: Int64 = 86_400_000

    init(jobStore: JobStore, runStore: RunStore & TickRowStore, authenticator: Authenticator, now: @escaping () -> Int64) {
        self.jobStore = jobStore
        self.runStore = runStore
        self.authenticator = authenticator
        self.now = now
    }

    func register(on router: Router) {
        router.add("GET", "/jobs/{id}/ticks", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in
            try ticks(request, responder)
        })
    }

    private func ticks(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try APIHandler.positiveID(request, "id")
        let query = request.query
        let window = try TickWindow.parse(from: query["from"], to: query["to"], limit: query["limit"], now: now())
        jobStore.fetch(id: id) { [self] outcome in
            switch outcome {
            case .failure(let error): return responder.respond(APIError.store(error).response)
            case .success(nil): return responder.respond(APIError(.notFound, "job_not_found", "no job with id \(id)").response)
            case .success(let job?):
                guard let times = try? job.definition.fireTimes() else {
                    return responder.respond(APIError(.internalServerError, "store_error", "job \(id) has a schedule that no longer parses").response)
                }
                list(job, times, window, horizon: nil, responder)
            }
        }
    }

    /// Lists the window's ticks after `horizon` and answers with their outcomes. The horizon is
    /// learnt from the first read: when retention pruned into the listed ticks, they are
    /// listed again from it (a second read), so that a page's `limit` counts listed ticks only.
    private func list(_ job: Job, _ times: FireTimes, _ window: TickWindow, horizon: Int64?, _ responder: Responder) {
        let listing = Self.audit(job, times, prunedThrough: horizon).ticks(from: window.from, to: window.to, limit: window.limit)
        guard let first = listing.ticks.first, let last = listing.ticks.last else {
            return respond(job.id, window, [], nextFrom: listing.nextFrom, responder)
        }
        runStore.tickRows(jobID: job.id, from: first, through: last) { [self] outcome in
            switch outcome {
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            case .success(let read):
                if horizon == nil, let pruned = read.prunedThrough, pruned >= first {
                    return list(job, times, window, horizon: pruned, responder)
                }
                // A horizon that moved on between the reads hides a few more: never list a
                // tick whose runs may be gone.
                let listed = listing.ticks.filter { $0 > (read.prunedThrough ?? .min) }
                respond(job.id, window, TickAudit.outcomes(of: listed, rows: read.rows, now: now()), nextFrom: listing.nextFrom, responder)
            }
        }
    }

    private func respond(_ jobID: Int64, _ window: TickWindow, _ ticks: [TickAudit.Tick], nextFrom: Int64?, _ responder: Responder) {
        var json = JSONWriter(capacity: 128 + 96 * ticks.count)
        TickAuditJSON.write(jobID: jobID, window: window, ticks: ticks, nextFrom: nextFrom, into: &json)
        responder.respond(.json(.ok, json))
    }

    /// The job's latest run and its missed ticks of the last 24 h (GET /jobs/{id}).
    func detail(of job: Job, completion: @escaping (Result<JobJSON.Detail, StoreError>) -> Void) {
        runStore.runs(jobID: job.id, before: 0, limit: 1) { [self] outcome in
            switch outcome {
            case .failure(let error): completion(.failure(error))
            case .success(let runs):
                let now = now()
                guard let times = try? job.definition.fireTimes() else {
                    return completion(.success(JobJSON.Detail(lastRun: runs.first, missedTicks24h: 0)))
                }
                runStore.tickRows(jobID: job.id, from: now - Self.detailSpan, through: now) { outcome in
                    completion(outcome.map { read in
                        let missed = Self.audit(job, times, prunedThrough: read.prunedThrough)
                            .missedCount(from: now - Self.detailSpan, now: now, rowTicks: Set(read.rows.map(\.tick)))
                        return JobJSON.Detail(lastRun: runs.first, missedTicks24h: missed)
                    })
                }
            }
        }
    }

    private static func audit(_ job: Job, _ times: FireTimes, prunedThrough: Int64?) -> TickAudit {
        TickAudit(times: times, createdAt: job.createdAt, pausedSince: job.definition.paused ? job.updatedAt : nil,
                  prunedThrough: prunedThrough)
    }
}
