// RunTable: `dsched runs list JOB` — a job's runs, newest first: status, when its tick was,
// how long it took (or has been running), and how it ended.
public enum RunTable {
    public static func render(_ runs: [JSONObject], now: Int64, palette: Palette) -> String {
        var table = TextTable([
            .init("ID", rightAligned: true), .init("STATUS"), .init("ATTEMPT", rightAligned: true), .init("SCHEDULED"),
            .init("DURATION", rightAligned: true), .init("EXIT"), .init("NODE"),
        ])
        for run in runs {
            let status = run.text("status")
            table.add([
                .init(run.text("id")), .init(status, colour: Palette.colour(ofStatus: status)), .init(run.text("attempt")),
                .init(run.string("scheduled_at").flatMap(Timestamp.parse).map { RelativeTime.format($0, now: now) } ?? "-"),
                .init(duration(of: run, now: now)), .init(exit(of: run)), .init(run.text("node_id")),
            ])
        }
        return table.render(palette)
    }

    /// Finish less start; now less start while it runs; "-" before it starts.
    public static func duration(of run: JSONObject, now: Int64) -> String {
        guard let started = run.string("started_at").flatMap(Timestamp.parse) else { return "-" }
        let finished = run.string("finished_at").flatMap(Timestamp.parse) ?? now
        return HumanDuration.format(milliseconds: max(finished - started, 0))
    }

    /// The exit code, "SIGKILL"-style for a signal (by number: "signal 9"), "-" before the end.
    public static func exit(of run: JSONObject) -> String {
        if let signal = run.integer("signal") { return "signal \(signal)" }
        return run.integer("exit_code").map(String.init) ?? "-"
    }
}
