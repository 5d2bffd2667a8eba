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
        usage: "dsched next <frequency> [--from <from>] [--tz <tz>] [--count <count>] [--no-repeat]",
        discussion: """
            FREQUENCY is what a job's `frequency` holds: milliseconds (5000), a duration (30s, \
            1h30m, PT5M), a cron expression of 5 or 6 fields ("*/15 * * * *"), or a macro \
            (@daily, @every 10m). An invalid schedule is reported on stderr with exit code 2, \
            also one that starts with a dash ("-90 * * * *"). Schedules end with year 9999: \
            when fewer than --count ticks remain, stderr says so.
            """)

    /// The schedule: every input that is not an option, so that a frequency starting with a
    /// dash ("-90 * * * *") reaches the schedule parser, which names its error, instead of
    /// being taken for a short option.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The schedule, as a job's frequency.", valueName: "frequency"))
    var frequencyInput: [String] = []

    @Option(help: "The job's startdate, RFC 3339 (default: now).")
    var from: String?

    @Option(help: "The IANA time zone cron fields are read in.")
    var tz: String = "UTC"

    @Option(help: "How many fire times to print.")
    var count: Int = 5

    @Flag(name: .customLong("no-repeat"), help: "The job does not repeat: only its first tick.")
    var noRepeat = false

    /// The inputs that are not options, less a leading `--` (the usual end of options).
    private var words: [String] {
        Array(frequencyInput.drop { $0 == "--" })
    }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard words.count == 1 else {
            if let option = words.first(where: { $0.hasPrefix("--") }) {
                throw ValidationError("Unknown option '\(option)'")
            }
            throw ValidationError(words.isEmpty ? "Missing expected argument '<frequency>'"
                : "expected one <frequency>, got \(words.count) arguments (\(words.joined(separator: " "))): "
                    + "quote a cron expression, e.g. \"*/5 * * * *\"")
        }
    }

    func run() throws {
        let ticks: FireTimes
        do {
            let start = try from.map(RFC3339.parse) ?? Next.currentMilliseconds()
            ticks = try FireTimes(
                schedule: Schedule.parse(words[0]), start: start, repeats: !noRepeat, zone: ZoneRules.named(tz))
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
        if printed < count && (printed == 0 || !noRepeat) {
            var standardError = StandardError()
            print("no tick after \(RFC3339.format(milliseconds: FireTimes.lastInstant)): schedules end with year 9999", to: &standardError)
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
