// `dsched next` previews a schedule: the same parser and tick rules the server uses, so what a
// user sees here is what the scheduler will do.

import ArgumentParser
import Server

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Next prints the next fire times of a frequency, one RFC 3339 UTC timestamp per line.
struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Print the next fire times of a schedule.",
        discussion: """
            FREQUENCY is what a job's `frequency` holds: milliseconds (5000), a duration (30s, \
            1h30m, PT5M), a cron expression of 5 or 6 fields ("*/15 * * * *"), or a macro \
            (@daily, @every 10m). An invalid schedule is reported on stderr with exit code 2.
            """)

    @Argument(help: "The schedule, as a job's frequency.")
    var frequency: String

    @Option(help: "The job's startdate, RFC 3339 (default: now).")
    var from: String?

    @Option(help: "The IANA time zone cron fields are read in.")
    var tz: String = "UTC"

    @Option(help: "How many fire times to print.")
    var count: Int = 5

    @Flag(name: .customLong("no-repeat"), help: "The job does not repeat: only its first tick.")
    var noRepeat = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let ticks: FireTimes
        do {
            let start = try from.map(RFC3339.parse) ?? Next.currentMilliseconds()
            ticks = try FireTimes(
                schedule: Schedule.parse(frequency), start: start, repeats: !noRepeat, zone: ZoneRules.named(tz))
        } catch let error as ScheduleError {
            var standardError = StandardError()
            print("error: \(error)", to: &standardError)
            throw ExitCode(2)
        }
        var tick = ticks.first()
        var printed = 0
        while let instant = tick, printed < count {
            print(RFC3339.format(milliseconds: instant))
            printed += 1
            tick = ticks.next(after: instant)
        }
    }

    private static func currentMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

/// StandardError lets `print(_:to:)` write to stderr.
private struct StandardError: TextOutputStream {
    mutating func write(_ text: String) {
        fputs(text, stderr)
    }
}
