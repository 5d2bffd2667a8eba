// NodeTable: `dsched nodes` — the cluster's live nodes (GET /nodes): who leads, what each owns
// and carries, its load and its clock, then the jobs still waiting for an owner.
public enum NodeTable {
    public static func render(_ cluster: JSONObject, palette: Palette) -> String {
        var table = TextTable([
            .init("ID"), .init("ADDRESS"), .init("LEADER"), .init("JOBS", rightAligned: true), .init("WEIGHT", rightAligned: true),
            .init("CPU", rightAligned: true), .init("MEM FREE", rightAligned: true), .init("RSS", rightAligned: true),
            .init("WORKERS", rightAligned: true), .init("HEARTBEAT", rightAligned: true), .init("CLOCK", rightAligned: true),
        ])
        for node in cluster.objects("nodes") {
            let leader = node.bool("leader") == true
            table.add([
                .init(node.text("id")), .init(node.text("address")), .init(leader ? "yes" : "", colour: leader ? .green : nil),
                .init(node.text("jobs")), .init(node.number("weight").map { format($0, decimals: 2) } ?? "-"),
                .init(node.number("cpu_host").map { format($0 * 100, decimals: 0) + "%" } ?? "-"),
                .init(memory(of: node)), .init(node.integer("rss_kb").map { HumanSize.format(kilobytes: $0) } ?? "-"),
                .init(node.text("workers")),
                .init(node.integer("heartbeat_age_ms").map { HumanDuration.format(milliseconds: $0) + " ago" } ?? "-"),
                .init(node.number("clock_offset_ms").map { format($0, decimals: 1) + "ms" } ?? "-"),
            ])
        }
        return table.render(palette) + "waiting for an owner: \(TerminalText.visible(cluster.text("waiting"))) jobs\n"
    }

    /// "21G/23G": available of total.
    static func memory(of node: JSONObject) -> String {
        guard let available = node.integer("mem_available_kb"), let total = node.integer("mem_total_kb") else { return "-" }
        return HumanSize.format(kilobytes: available) + "/" + HumanSize.format(kilobytes: total)
    }

    /// A fixed number of decimals, without Foundation's locale.
    static func format(_ value: Double, decimals: Int) -> String {
        let scale = (0..<decimals).reduce(1.0) { result, _ in result * 10 }
        let scaled = Int64((value * scale).rounded())
        guard decimals > 0 else { return String(scaled) }
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        let fraction = String(magnitude % UInt64(scale))
        return sign + String(magnitude / UInt64(scale)) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
