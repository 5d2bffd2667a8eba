// WorkerTable: `dsched workers` — the answering node's worker processes (GET /workers) and the
// runs waiting for a slot there.
public enum WorkerTable {
    public static func render(_ answer: JSONObject, palette: Palette) -> String {
        var table = TextTable([
            .init("SLOT", rightAligned: true), .init("PID", rightAligned: true), .init("STATE"), .init("RUNS", rightAligned: true),
            .init("RSS", rightAligned: true), .init("CPU", rightAligned: true), .init("RESTARTS", rightAligned: true),
        ])
        for worker in answer.objects("workers") {
            let state = worker.text("state")
            table.add([
                .init(worker.text("slot")), .init(worker.text("pid")), .init(state, colour: colour(ofState: state)),
                .init(worker.text("in_flight")), .init(worker.integer("rss_kb").map { HumanSize.format(kilobytes: $0) } ?? "-"),
                .init(worker.integer("cpu_ms").map { HumanDuration.format(milliseconds: $0) } ?? "-"), .init(worker.text("restarts")),
            ])
        }
        return table.render(palette) + "runs waiting for a worker: \(answer.text("waiting"))\n"
    }

    /// A worker's state (the supervisor's): running is its healthy state.
    static func colour(ofState state: String) -> Palette.Colour? {
        switch state {
        case "running": return .green
        case "stopping", "restarting": return .yellow
        case "failed": return .red
        default: return nil
        }
    }
}
