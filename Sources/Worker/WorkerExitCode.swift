// WorkerExitCode: the exit codes of `dsched worker` beyond 0 (stopped as asked, over the
// channel or by SIGTERM, or the master went away), which tell the supervisor whether a respawn
// can help (nginx's "fatal, do not respawn" code, 2, plays the same part).
public enum WorkerExitCode {
    /// The channel broke (a socket error, or a frame that cannot be trusted): a respawn gets a
    /// fresh channel.
    public static let failed: Int32 = 1
    /// The worker was started wrongly — arguments it rejects, a channel fd it cannot use, a
    /// `--run-as` user it cannot resolve, a `--cgroup` it cannot make its directory in, a kernel that refuses it the child subreaper role —
    /// and a respawn would start it the same way: the supervisor leaves the slot down.
    /// 64 is EX_USAGE (sysexits.h), the code swift-argument-parser exits with when it rejects
    /// the arguments, so a worker binary that does not understand its master's command line
    /// is fatal too.
    public static let fatal: Int32 = 64

    /// The code a worker exits with after `error` ended it: `fatal` for a start that cannot
    /// succeed, `failed` otherwise.
    public static func of(_ error: Error) -> Int32 {
        switch error {
        case WorkerProcessError.badChannel, WorkerProcessError.subreaper, is RunAsUserError, is CgroupError: return fatal
        default: break
        }
        return failed
    }
}
