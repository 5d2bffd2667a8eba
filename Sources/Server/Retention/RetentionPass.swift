// RetentionPass: what the pruner does next, as a pure state machine (no clock, no store).
//
// Jobs are walked in id order, `jobsPerStatement` at a time, from a cursor (the last job id a
// statement finished). A statement that found a full batch to delete leaves the cursor where
// it is (the same jobs may hold more), and the next statement follows after `busyPause`; a
// statement that found less moves the cursor past its jobs. A statement that looked at fewer
// jobs than it may has reached the last job: the pass is over, and the next one starts from
// the first job after `passPause` when this pass deleted anything (more comes due all the
// time under load), else after `idlePause`. A failed statement is tried again after
// `idlePause`, from where it was.
//
// Example (jobsPerStatement 2, batch 1000): jobs 3, 7, 9 hold runs to prune.
//   prune(after: 0) → jobs 3, 7; 1000 doomed   → again(after: 0) in busyPause
//   prune(after: 0) → jobs 3, 7; 200 doomed    → prune(after: 7) in busyPause
//   prune(after: 7) → job 9 only; 10 doomed    → pass over, pruned 1210 → prune(after: 0) in passPause
//   prune(after: 0) → jobs 3, 7; 0 doomed …    → … pass over, pruned 0 → prune(after: 0) in idlePause
struct RetentionPass: Equatable {
    /// What one prune statement reported.
    struct Result: Equatable {
        /// Rows the statement chose to delete (a full batch means: look again).
        var doomed: Int
        /// Rows it deleted.
        var deleted: Int
        /// Jobs it looked at, and the last of their ids (nil when none).
        var jobs: Int
        var lastJob: Int64?
    }

    /// The next statement: prune the jobs after `cursor`, `delay` seconds from now.
    /// `passPruned`: set when a pass just ended, to the rows it deleted.
    struct Step: Equatable {
        var cursor: Int64
        var delay: Double
        var passPruned: Int? = nil
    }

    let batchSize: Int
    let jobsPerStatement: Int
    /// Seconds between statements while there is work.
    var busyPause = 0.05
    /// Seconds between passes that deleted something.
    var passPause = 2.0
    /// Seconds between passes that found nothing, and before a failed statement is retried.
    var idlePause = 10.0

    private(set) var cursor: Int64 = 0
    /// Rows deleted since the pass began.
    private(set) var prunedThisPass = 0

    init(batchSize: Int, jobsPerStatement: Int) {
        self.batchSize = batchSize
        self.jobsPerStatement = jobsPerStatement
    }

    /// The first statement of a pass.
    var first: Step { Step(cursor: cursor, delay: 0) }

    /// The step after a statement answered `result`.
    mutating func next(after result: Result) -> Step {
        prunedThisPass += result.deleted
        if result.doomed >= batchSize {
            return Step(cursor: cursor, delay: busyPause)
        }
        if result.jobs >= jobsPerStatement, let last = result.lastJob {
            cursor = last
            return Step(cursor: cursor, delay: busyPause)
        }
        let pruned = prunedThisPass
        cursor = 0
        prunedThisPass = 0
        return Step(cursor: 0, delay: pruned > 0 ? passPause : idlePause, passPruned: pruned)
    }

    /// The step after a statement failed: the same one, later.
    func nextAfterFailure() -> Step {
        Step(cursor: cursor, delay: idlePause)
    }
}
