// RetentionRules: what run retention keeps (issue 13, item 4), as `dsched serve` sets it.
// A run is pruned when its job keeps fewer runs than it has (`keep_runs`, else
// `--max-runs-per-job`: the newest are kept) or when it ended longer ago than `--run-retention`
// (a run never started counts from its tick). Never pruned: a live run (pending, running), a
// run whose retry is due (retry_at set), and the run(s) of a job's latest tick — misfire
// handling reads that tick when a node takes the job (RunStore.lastTicks, JobBook.place). A
// deleted job has no misfire left, so its latest tick goes too once old enough.
public struct RetentionRules: Equatable, Sendable {
    /// Runs that ended longer ago than this are pruned, ms (`--run-retention`, default 30 days).
    public var maxAgeMilliseconds: Int64 = 30 * 86_400_000
    /// Runs kept per job without a `keep_runs` of its own (`--max-runs-per-job`).
    public var defaultKeep = 10_000
    /// Rows deleted by one statement at most: each is a short transaction of its own.
    public var batchSize = 1_000
    /// Jobs one statement looks at: each costs a few index probes (its latest tick, its
    /// keep boundary).
    public var jobsPerStatement = 50

    public init() {}

    /// The range `--max-runs-per-job` and a job's `keep_runs` accept.
    public static let keepRange: ClosedRange<Int> = 1...1_000_000

    /// The range `--run-retention` accepts, ms: 1 s to 100 years (36,500 days). Past the upper
    /// bound, `now() - interval` overflows PostgreSQL's timestamp range and every prune
    /// statement would fail, which would turn retention off without a word.
    public static let maxAgeRange: ClosedRange<Int64> = 1_000...36_500 * 86_400_000

    /// A `--run-retention` duration (`30d`, `12h`, `1m`, `PT90S`, or milliseconds) in ms; nil
    /// when it is not a duration or lies outside `maxAgeRange`.
    public static func maxAge(_ text: String) -> Int64? {
        let digits = !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard let milliseconds = digits ? Int64(text) : try? DurationParser.milliseconds(text),
              maxAgeRange.contains(milliseconds) else { return nil }
        return milliseconds
    }
}
