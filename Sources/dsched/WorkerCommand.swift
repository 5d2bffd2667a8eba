// WorkerCommand: `dsched worker`, the process `dsched serve` spawns to run scripts. Internal:
// hidden from help, started with its end of a socketpair to the master as an inherited fd.
import ArgumentParser
import Glibc
import Logging
import Server
import Worker

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run scripts for a node master (internal: spawned by `dsched serve`).",
        shouldDisplay: false
    )

    @Option(help: "The inherited socketpair end to the master.")
    var fd: Int32 = 3

    @Option(help: "Scripts run at once; more wait, in order.")
    var maxConcurrent = 16

    @Option(help: "Seconds between TERM and KILL when a run times out or is cancelled.")
    var grace = 5.0

    @Option(help: "Seconds without a frame from the master after which the worker kills its runs and exits.")
    var fence = 5.0

    @Option(help: "The user scripts run as, through setpriv (default: the worker's own).")
    var runAs: String?

    @Option(help: "Comma-separated users a job's run_as may name (default: none).")
    var allowedUsers = ""

    @Option(help: "The cgroup v2 directory the worker makes its runs' cgroups under (default: none).")
    var cgroup: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env DSCHED_LOG_LEVEL, default info).")
    var logLevel: String?

    func validate() throws {
        guard fd >= 0 else { throw ValidationError("--fd must be a file descriptor (0 or more)") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be a number of seconds, 0 or more") }
        guard fence > 0, fence.isFinite else { throw ValidationError("--fence must be a positive number of seconds") }
    }

    func run() throws {
        try LoggingSystem.bootstrapStandardError(level: logLevel)
        // Scripts run as this worker's user: they must not read its memory or descriptors.
        try ProcessSecrets.makeNotDumpable()
        var logger = Logger(label: "dsched.worker")
        logger[metadataKey: "worker_pid"] = "\(getpid())"
        var configuration = WorkerProcess.Configuration()
        configuration.fd = fd
        configuration.maxConcurrent = maxConcurrent
        configuration.graceSeconds = grace
        configuration.cgroup = cgroup
        configuration.fenceSeconds = fence
        do {
            configuration.runAs = RunAsPolicy(nodeUser: try runAs.map(RunAsUser.resolve),
                                              allowedUsers: Set(allowedUsers.split(separator: ",").map(String.init)))
            try WorkerProcess(configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("worker failed", metadata: ["error": "\(error)"])
            throw ExitCode(WorkerExitCode.of(error))
        }
    }
}
