// RunsAPI: run history, run-now, and the node's workers.
//
//   GET  /jobs/{id}/runs   newest first; ?limit=1..1000 (100) &before=<run id cursor>
//   GET  /runs/{id}
//   POST /jobs/{id}/run    run now, outside the schedule → 201 with the run
//   GET  /workers          pid, state, in-flight runs, RSS, CPU, restarts
public final class RunsAPI {
    private let jobStore: JobStore
    private let runStore: RunStore
    private let firing: FiringLayer
    private let workers: WorkerPool
    private let authenticator: Authenticator

    public init(jobStore: JobStore, runStore: RunStore, firing: FiringLayer, workers: WorkerPool, authenticator: Authenticator) {
        self.jobStore = jobStore
        self.runStore = runStore
        self.firing = firing
        self.workers = workers
        self.authenticator = authenticator
    }

    /// The router's handlers hold this API (and it holds nothing of the router).
    public func register(on router: Router) {
        router.add("GET", "/jobs/{id}/runs", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try runs(request, responder) })
        router.add("GET", "/runs/{id}", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try show(request, responder) })
        router.add("POST", "/jobs/{id}/run", APIHandler.guarded(authenticator) { [self] request, responder throws(APIError) in try runNow(request, responder) })
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
                json.beginObject()
                json.key("next_before")
                json.integer(runs.count == Int(limit) ? runs.last?.id : nil)
                json.key("runs")
                json.beginArray()
                runs.forEach { RunJSON.write($0, into: &json) }
                json.endArray()
                json.endObject()
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

    private func workers(_ request: HTTPRequest, _ responder: Responder) {
        var json = JSONWriter()
        json.beginObject()
        json.key("workers")
        json.beginArray()
        for worker in workers.workers {
            json.beginObject()
            json.key("cpu_ms")
            json.integer(worker.cpuMilliseconds)
            json.key("in_flight")
            json.integer(worker.inFlight)
            json.key("pid")
            json.integer(worker.pid)
            json.key("restarts")
            json.integer(worker.restarts)
            json.key("rss_kb")
            json.integer(worker.rssKilobytes)
            json.key("slot")
            json.integer(worker.slot)
            json.key("state")
            json.string(worker.state)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        responder.respond(.json(.ok, json))
    }
}

/// A run as the API shows it; keys alphabetical, times RFC 3339.
enum RunJSON {
    static func write(_ run: Run, into json: inout JSONWriter) {
        json.beginObject()
        json.key("attempt")
        json.integer(run.attempt)
        json.key("cpu_system_ms")
        json.integer(run.cpuSystemMilliseconds)
        json.key("cpu_user_ms")
        json.integer(run.cpuUserMilliseconds)
        json.key("exit_code")
        json.integer(run.exitCode)
        json.key("finished_at")
        json.string(run.finishedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("id")
        json.integer(run.id)
        json.key("job_id")
        json.integer(run.jobID)
        json.key("max_rss_kb")
        json.integer(run.maxRSSKilobytes)
        json.key("node_id")
        json.string(run.nodeID)
        json.key("output")
        json.string(run.output)
        json.key("output_truncated")
        json.bool(run.outputTruncated)
        json.key("scheduled_at")
        json.string(RFC3339.format(milliseconds: run.scheduledAt))
        json.key("signal")
        json.integer(run.signal)
        json.key("started_at")
        json.string(run.startedAt.map { RFC3339.format(milliseconds: $0) })
        json.key("status")
        json.string(run.status.rawValue)
        json.key("worker_pid")
        json.integer(run.workerPID)
        json.endObject()
    }
}
