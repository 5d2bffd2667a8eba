// RunOutcome: what a worker's report means for the run's row — its status and the output to
// store. Pure, so that the mapping is tested without a worker.
import Worker

/// RunOutcome maps a worker's `RunResult` to the recorded status and output.
struct RunOutcome: Equatable {
    let status: Run.Status
    let output: String

    /// A script that could not start failed (its error leads the output); then cancelled, timed
    /// out, and the exit code decide. PostgreSQL text cannot hold NUL (a script may print one):
    /// it is dropped.
    init(_ result: WorkerMessage.RunResult) {
        if result.error != nil {
            status = .failed
        } else if result.cancelled {
            status = .cancelled
        } else if result.timedOut {
            status = .timedOut
        } else {
            status = result.exitCode == 0 ? .succeeded : .failed
        }
        var output = result.output.contains("\0") ? String(result.output.unicodeScalars.filter { $0 != "\0" }) : result.output
        if let error = result.error {
            output = "dsched: could not start the script: \(error)\n" + output
        }
        self.output = output
    }
}
