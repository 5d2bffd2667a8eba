// JobTable: `dsched jobs list` — one line per job with its schedule as people read it and its
// next fire time from now.
public enum JobTable {
    public static func render(_ jobs: [JSONObject], now: Int64, palette: Palette) -> String {
        var table = TextTable([.init("ID", rightAligned: true), .init("NAME"), .init("SCHEDULE"), .init("NEXT"), .init("STATE")])
        for job in jobs {
            let state = state(of: job)
            table.add([
                .init(job.text("id")), .init(job.text("name")), .init(schedule(of: job)),
                .init(next(of: job, now: now)), .init(state, colour: Palette.colour(ofStatus: state)),
            ])
        }
        return table.render(palette)
    }

    /// "0 3 * * * Europe/Paris", "every 1m" for milliseconds, "once" for a one-shot at its start.
    public static func schedule(of job: JSONObject) -> String {
        let zone = job.string("timezone").flatMap { $0 == "UTC" ? nil : $0 }
        let text: String
        if let milliseconds = job.integer("frequency") {
            text = milliseconds == 0 ? "once" : "every " + HumanDuration.format(milliseconds: milliseconds)
        } else {
            text = job.text("frequency")
        }
        let once = job.bool("repeat") == false && text != "once" ? ", once" : ""
        return [text + once, zone].compactMap { $0 }.joined(separator: " ")
    }

    /// "in 12s", or "-" when nothing is due (paused, done, no tick left).
    public static func next(of job: JSONObject, now: Int64) -> String {
        guard let next = job.string("next_run_at").flatMap(Timestamp.parse) else { return "-" }
        return RelativeTime.format(next, now: now)
    }

    /// done, paused or active.
    public static func state(of job: JSONObject) -> String {
        if job.bool("done") == true { return "done" }
        return job.bool("paused") == true ? "paused" : "active"
    }
}
