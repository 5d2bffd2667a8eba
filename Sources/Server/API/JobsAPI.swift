// JobsAPI: the /jobs endpoints — parse, validate, persist through the JobStore, answer.
//
//   POST   /jobs              one job (object) or many (array, all or nothing) → 201
//   GET    /jobs              ?limit=1..1000 (100) &after=<id cursor> &name=<exact name>
//   GET    /jobs/{id}         with `last_run` and `missed_ticks_24h` (TicksAPI.detail)
//   PATCH  /jobs/{id}         partial; the result is validated as a whole
//   DELETE /jobs/{id}         → 204
//   POST   /jobs/{id}/pause, POST /jobs/{id}/resume
//
// Every handler answers exactly once, possibly after the store's completion.
public final class JobsAPI {
    private let store: JobStore
    private let authenticator: Authenticator
    /// Told of every change this node makes, so that it takes effect here at once.
    private let cluster: Cluster
    /// Now, in epoch milliseconds (the reactor's clock).
    private let now: () -> Int64
    /// The shortest period a repeating job may have, ms (`--min-frequency`).
    private let minimumPeriod: Int64
    /// The users a job's `run_as` may name (`--allowed-users`).
    private let allowedUsers: Set<String>
    /// The tick audit's part of GET /jobs/{id} (`last_run`, `missed_ticks_24h`).
    private let ticks: TicksAPI

    static let maxJobsPerRequest = 1000
    static let defaultPageSize = 100
    static let maxPageSize = 1000
    /// Attempts of a read-modify-write before a PATCH gives up with 409.
    static let updateAttempts = 3

    init(store: JobStore, authenticator: Authenticator, now: @escaping () -> Int64,
         cluster: Cluster, minimumPeriod: Int64, allowedUsers: Set<String>, ticks: TicksAPI) {
        self.store = store
        self.ticks = ticks
        self.minimumPeriod = minimumPeriod
        self.allowedUsers = allowedUsers
        self.authenticator = authenticator
        self.now = now
        self.cluster = cluster
    }

    public func register(on router: Router) {
        router.add("POST", "/jobs", guarded(create))
        router.add("GET", "/jobs", guarded(list))
        router.add("GET", "/jobs/{id}", guarded(show))
        router.add("PATCH", "/jobs/{id}", guarded(patch))
        router.add("DELETE", "/jobs/{id}", guarded(delete))
        router.add("POST", "/jobs/{id}/pause", guarded { [self] request, responder throws(APIError) in try setPaused(true, request, responder) })
        router.add("POST", "/jobs/{id}/resume", guarded { [self] request, responder throws(APIError) in try setPaused(false, request, responder) })
    }

    private func guarded(_ handler: @escaping (HTTPRequest, Responder) throws(APIError) -> Void) -> HTTPServer.Handler {
        APIHandler.guarded(authenticator, handler)
    }

    // MARK: - Handlers

    private func create(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let body = try jsonBody(request)
        let validator = JobValidator(now: now(), minimumPeriod: minimumPeriod, allowedUsers: allowedUsers)
        let drafts: [JobDraft]
        let isBatch: Bool
        if case .array(let items) = body {
            guard !items.isEmpty, items.count <= Self.maxJobsPerRequest else {
                throw APIError(.badRequest, "invalid_body", "an array of jobs must hold 1-\(Self.maxJobsPerRequest) jobs, got \(items.count)")
            }
            drafts = try items.enumerated().map { (index, item) throws(APIError) in try validator.create(item, prefix: "[\(index)].") }
            isBatch = true
        } else {
            drafts = [try validator.create(body)]
            isBatch = false
        }
        store.create(drafts) { [self] outcome in
            switch outcome {
            case .success(let jobs):
                cluster.jobsCreated(jobs)
                let now = now()
                var json = JSONWriter(capacity: 512 * jobs.count)
                if isBatch {
                    json.beginArray()
                    for job in jobs {
                        JobJSON.write(job, nextRunAt: job.nextRun(after: now), into: &json)
                    }
                    json.endArray()
                    responder.respond(.json(.created, json))
                } else {
                    JobJSON.write(jobs[0], nextRunAt: jobs[0].nextRun(after: now), into: &json)
                    responder.respond(.json(.created, json, headers: HTTPHeaders([("Location", "/jobs/\(jobs[0].id)")])))
                }
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func list(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let query = request.query
        let limit = try APIHandler.integerParameter(query["limit"], "limit", range: 1...Int64(Self.maxPageSize)) ?? Int64(Self.defaultPageSize)
        let after = try APIHandler.integerParameter(query["after"], "after", range: 0...Int64.max) ?? 0
        let name = query["name"]
        store.list(after: after, limit: Int(limit), name: name) { [self] outcome in
            switch outcome {
            case .success(let jobs):
                let next = jobs.count == Int(limit) ? jobs.last?.id : nil
                let now = now()
                var json = JSONWriter(capacity: 512 * jobs.count)
                JobJSON.writePage(jobs.map { ($0, $0.nextRun(after: now)) }, nextAfter: next, into: &json)
                responder.respond(.json(.ok, json))
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func show(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try jobID(request)
        store.fetch(id: id) { [self] outcome in
            switch outcome {
            case .success(let job?):
                ticks.detail(of: job) { [self] outcome in
                    switch outcome {
                    case .failure(let error):
                        responder.respond(APIError.store(error).response)
                    case .success(let detail):
                        // The owner comes from Redis; when Redis cannot answer, the job is shown without it.
                        cluster.owner(of: id) { [self] owner in
                            switch owner {
                            case .success(let node?): responder.respond(jobResponse(job, owner: .node(node), detail: detail))
                            case .success(nil): responder.respond(jobResponse(job, owner: .waiting, detail: detail))
                            case .failure: responder.respond(jobResponse(job, detail: detail))
                            }
                        }
                    }
                }
            case .success(nil): responder.respond(Self.notFound(id).response)
            case .failure(let error): responder.respond(APIError.store(error).response)
            }
        }
    }

    private func patch(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try jobID(request)
        let body = try jsonBody(request)
        let validator = JobValidator(now: now(), minimumPeriod: minimumPeriod, allowedUsers: allowedUsers)
        modify(id: id, attempts: Self.updateAttempts, responder: responder) { current throws(APIError) in
            try validator.patch(current, with: body)
        }
    }

    private func setPaused(_ paused: Bool, _ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try jobID(request)
        modify(id: id, attempts: Self.updateAttempts, responder: responder) { current throws(APIError) in
            var draft = current
            draft.paused = paused
            return draft
        }
    }

    /// Read, change, write if unchanged meanwhile; on a concurrent change, read again.
    private func modify(id: Int64, attempts: Int, responder: Responder,
                        change: @escaping (JobDraft) throws(APIError) -> JobDraft) {
        store.fetch(id: id) { [self] outcome in
            switch outcome {
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            case .success(nil):
                responder.respond(Self.notFound(id).response)
            case .success(let job?):
                let draft: JobDraft
                do throws(APIError) {
                    draft = try change(job.definition)
                } catch {
                    responder.respond(error.response)
                    return
                }
                store.update(job, to: draft) { [self] outcome in
                    switch outcome {
                    case .success(let updated?):
                        cluster.jobChanged(updated)
                        responder.respond(jobResponse(updated))
                    case .success(nil) where attempts > 1:
                        modify(id: id, attempts: attempts - 1, responder: responder, change: change)
                    case .success(nil):
                        responder.respond(APIError(.conflict, "conflict", "job \(id) kept changing; try again").response)
                    case .failure(let error):
                        responder.respond(APIError.store(error).response)
                    }
                }
            }
        }
    }

    private func delete(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try jobID(request)
        store.delete(id: id) { [self] outcome in
            switch outcome {
            case .success(true):
                cluster.jobDeleted(id: id)
                responder.respond(HTTPResponse(status: .noContent))
            case .success(false): responder.respond(Self.notFound(id).response)
            case .failure(let error): responder.respond(APIError.store(error).response)
            }
        }
    }

    // MARK: - Helpers

    private func jobResponse(_ job: Job, owner: JobJSON.Owner = .omitted, detail: JobJSON.Detail? = nil) -> HTTPResponse {
        var json = JSONWriter(capacity: 512)
        JobJSON.write(job, nextRunAt: job.nextRun(after: now()), owner: owner, detail: detail, into: &json)
        return .json(.ok, json)
    }

    private static func notFound(_ id: Int64) -> APIError {
        APIError(.notFound, "job_not_found", "no job with id \(id)")
    }

    private func jobID(_ request: HTTPRequest) throws(APIError) -> Int64 {
        try APIHandler.positiveID(request, "id")
    }

    /// The body as JSON: 415 unless the Content-Type (when given) is JSON; 400 if it does not parse.
    private func jsonBody(_ request: HTTPRequest) throws(APIError) -> JSONValue {
        if let type = request.headers["Content-Type"] {
            let mediaType = type.split(separator: ";", maxSplits: 1).first?.trimmingASCIIWhitespace() ?? ""
            guard mediaType.lowercased() == "application/json" else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "the body must be application/json, got \(type)")
            }
        }
        guard !request.body.isEmpty else {
            throw APIError(.badRequest, "invalid_json", "the body is empty; send a JSON object")
        }
        do {
            return try JSONParser.parse(request.body)
        } catch {
            throw APIError(.badRequest, "invalid_json", "the body is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
    }
}
