// RunDispatcher+RunNow: `POST /jobs/{id}/run`. A run-now is a claim at the current
// millisecond of the cluster's clock, outside the job's schedule and its concurrency policy
// across nodes; one landing on a millisecond already claimed (another run-now, or a tick)
// takes the next free one.
extension RunDispatcher {
    /// Runs a job now, outside its schedule (`POST /jobs/{id}/run`).
    func runNow(_ job: Job, completion: @escaping (Result<Run, StoreError>) -> Void) {
        guard !stopping, !fenced else {
            completion(.failure(.unavailable(stopping ? "the node is stopping" : "the node is fenced (its lease is not renewed)")))
            return
        }
        // On the cluster's clock, so that a run-now never takes the row of a tick still to come.
        runNow(job, at: book.now, tries: Self.runNowTries, completion: completion)
    }

    /// Run-nows are keyed by their millisecond: concurrent ones (or one landing on a tick) take
    /// the next free millisecond, at most this many times.
    static let runNowTries = 16

    func runNow(_ job: Job, at instant: Int64, tries: Int, completion: @escaping (Result<Run, StoreError>) -> Void) {
        let claim = TickClaim(jobID: job.id, scheduledAt: instant, attempt: 1)
        claimAndDispatch(claim, job: job, misfire: false) { [self] outcome in
            switch outcome {
            case .success(let run?): completion(.success(run))
            case .success(nil) where tries > 1: runNow(job, at: instant + 1, tries: tries - 1, completion: completion)
            case .success(nil): completion(.failure(.failed("no free millisecond for a run-now after \(Self.runNowTries) tries")))
            case .failure(let error): completion(.failure(error))
            }
        }
    }
}
