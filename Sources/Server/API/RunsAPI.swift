// RunsAPI: run history, run-now, and the node's workers.
//
//   GET  /jobs/{id}/runs   newest first; ?limit=1..1000 (100) &before=<run id cursor>
//   GET  /runs/{id}
//   POST /jobs/{id}/run    run now, outside the schedule → 201 with the run; 503 +
//                          Retry-After while this node's firing is stopped for its clock
//   POST /runs/{id}/cancel stop a pending or running run → 202 with the run as it is now (the
//                          node running it records it cancelled); 409 once it has ended
//   GET  /workers          pid, state, in-flight runs, RSS, CPU, restarts
public final class RunsAPI {
    private let jobStore: JobStore
    private let runStore: RunStore
    private let firing: FiringLayer
    private let workers: WorkerPool
    private let cluster: Cluster
    private let authenticator: Authenticator

    public init(jobStore: JobStore, runStore: RunStore, firing: FiringLayer, workers: WorkerPool, cluster: Cluster,
                authenticator: Authenticator) {
        self.jobStore = jobStore
        self.runStore = runStore
        self.firing = firing
        self.workers = workers
        self.cluster = cluster
        self.authenticator = authenticator
    }

    /// The router's handlers hold this API (and it holds nothing of the router).
    public func register(on router: Router) {
        router.add("GET", "/jobs/{id}/runs", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try runs(request, responder) })
        router.add("GET", "/runs/{id}", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try show(request, responder) })
        router.add("POST", "/jobs/{id}/run", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try runNow(request, responder) })
        router.add("POST", "/runs/{id}/cancel", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try cancel(request, responder) })
        router.add("GET", "/workers", APIHandler.guarded(authenticator) { [self] in workers($0, $1) })
    }

    private func runs(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try APIHandler.positiveID(request, "id")
        let query = request.query
        let limit = try APIHandler.integerParameter(query["limit"], "limit", range: 1...1000) ?? 100
        let before = try APIHandler.integerParameter(query["before"], "before", range: 0...Int64.max) ?? 0
        runStore.runs(jobID: id, before: before, limit: Int(limit)) { outcome in
            switch outcome {
            case .success(let runs):
                var json = JSONWriter(capacity: 256 * runs.count)
                RunJSON.writePage(runs, nextBefore: runs.count == Int(limit) ? runs.last?.id : nil, into: &json)
                responder.respond(.json(.ok, json))
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func show(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try APIHandler.positiveID(request, "id")
        runStore.run(id: id) { outcome in
            switch outcome {
            case .success(let run?):
                var json = JSONWriter()
                RunJSON.write(run, into: &json)
                responder.respond(.json(.ok, json))
            case .success(nil):
                responder.respond(APIError(.notFound, "run_not_found", "no run with id \(id)").response)
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func runNow(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try APIHandler.positiveID(request, "id")
        guard firing.isFiring else {
            throw APIError(.serviceUnavailable, "clock_not_synchronised",
                           "this node's offset to PostgreSQL's clock is not known within --max-clock-skew: it fires nothing until it is",
                           retryAfterSeconds: 1)
        }
        jobStore.fetch(id: id) { [self] outcome in
            switch outcome {
            case .success(let job?):
                firing.runNow(job) { outcome in
                    switch outcome {
                    case .success(let run):
                        var json = JSONWriter()
                        RunJSON.write(run, into: &json)
                        responder.respond(.json(.created, json, headers: HTTPHeaders([("Location", "/runs/\(run.id)")])))
                    case .failure(let error):
                        responder.respond(APIError.store(error).response)
                    }
                }
            case .success(nil):
                responder.respond(APIError(.notFound, "job_not_found", "no job with id \(id)").response)
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func cancel(_ request: HTTPRequest, _ responder: Responder) throws(APIError) {
        let id = try APIHandler.positiveID(request, "id")
        runStore.run(id: id) { [self] outcome in
            switch outcome {
            case .success(let run?) where run.status == .pending || run.status == .running:
                if let node = run.nodeID {
                    cluster.cancelRuns([run.id], on: node)
                }
                var json = JSONWriter()
                RunJSON.write(run, into: &json)
                responder.respond(.json(.accepted, json))
            case .success(let run?):
                responder.respond(APIError(.conflict, "run_finished", "run \(id) already ended: \(run.status.rawValue)").response)
            case .success(nil):
                responder.respond(APIError(.notFound, "run_not_found", "no run with id \(id)").response)
            case .failure(let error):
                responder.respond(APIError.store(error).response)
            }
        }
    }

    private func workers(_ request: HTTPRequest, _ responder: Responder) {
        var json = JSONWriter()
        WorkerJSON.write(workers.workers, waiting: firing.waitingRuns, into: &json)
        responder.respond(.json(.ok, json))
    }
}
