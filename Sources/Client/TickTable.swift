// TickTable: `dsched jobs ticks JOB` — the tick audit (README "Tick audit") for people: each
// tick of the window with its outcome, then the counts per outcome, so a missed tick stands
// out among succeeded ones.
public enum TickTable {
    /// `audit`: the body of GET /jobs/{id}/ticks.
    public static func render(_ audit: JSONObject, now: Int64, palette: Palette) -> String {
        var table = TextTable([
            .init("TICK"), .init("WHEN"), .init("OUTCOME"), .init("RUN", rightAligned: true),
            .init("ATTEMPTS", rightAligned: true), .init("REASON"),
        ])
        for tick in (audit["ticks"] as? [[String: Any]] ?? []).map(JSONObject.init) {
            let outcome = tick.text("outcome")
            table.add([
                .init(tick.text("at")),
                .init(tick.string("at").flatMap(Timestamp.parse).map { RelativeTime.format($0, now: now) } ?? "-"),
                .init(outcome, colour: colour(of: outcome)), .init(tick.text("run_id")), .init(tick.text("attempts")),
                .init(tick.text("reason")),
            ])
        }
        let counts = (audit["counts"] as? [String: Any] ?? [:]).map { "\($0.key) \($0.value)" }.sorted()
        var text = table.render(palette) + "counts: " + TerminalText.visible(counts.isEmpty ? "none" : counts.joined(separator: ", ")) + "\n"
        if let next = audit.string("next_from").map(TerminalText.visible) {
            text += "more ticks from \(next) (--from \(next))\n"
        }
        return text
    }

    /// A run status's colour; `missed` is a failure to run, `future` not yet anything.
    static func colour(of outcome: String) -> Palette.Colour? {
        switch outcome {
        case "missed": return .red
        case "future": return .dim
        default: return Palette.colour(ofStatus: outcome)
        }
    }
}
