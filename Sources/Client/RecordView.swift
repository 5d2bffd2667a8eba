// RecordView: one job or run (`dsched jobs show`, `dsched runs show`) as "key  value" lines, every
// field the server sent in its (alphabetical) order, so fields this client does not know show
// too. Times get their distance from now ("2026-11-30T02:00:00Z (in 2h58m)"), milliseconds a
// human unit, nested objects their keys prefixed ("last_run.status"); long texts (`script`,
// `output`) come last, indented, as written but for control characters, shown as escapes
// (TerminalText) so that a run's output cannot drive the terminal.
import Foundation

public enum RecordView {
    /// Fields holding milliseconds, shown as durations.
    static let durationKeys: Set<String> = ["timeout", "retry_backoff", "cpu_user_ms", "cpu_system_ms", "heartbeat_age_ms"]
    /// Fields printed last as blocks of text.
    static let blockKeys: [String] = ["script", "output"]

    public static func render(_ record: JSONObject, now: Int64, palette: Palette) -> String {
        var lines: [(String, String, Palette.Colour?)] = []
        collect(record, prefix: "", now: now, into: &lines)
        lines = lines.map { (TerminalText.visible($0.0), TerminalText.visible($0.1), $0.2) }
        let width = lines.map(\.0.count).max() ?? 0
        var output = ""
        for (key, value, colour) in lines {
            output += key + String(repeating: " ", count: width - key.count) + "  " + palette.paint(value, colour) + "\n"
        }
        for key in blockKeys {
            guard var text = record.string(key), !text.isEmpty else { continue }
            if text.hasSuffix("\n") { text.removeLast() }
            output += "\(key):\n"
            for line in TerminalText.visible(text).split(separator: "\n", omittingEmptySubsequences: false) {
                output += "  " + line + "\n"
            }
        }
        return output
    }

    private static func collect(_ record: JSONObject, prefix: String, now: Int64, into lines: inout [(String, String, Palette.Colour?)]) {
        for key in record.fields.keys.sorted() where prefix != "" || !blockKeys.contains(key) {
            let name = prefix + key
            if let nested = record.object(key) {
                collect(nested, prefix: name + ".", now: now, into: &lines)
                continue
            }
            let colour = key == "status" ? record.string(key).flatMap(Palette.colour(ofStatus:)) : nil
            lines.append((name, value(record, key, now: now), colour))
        }
    }

    private static func value(_ record: JSONObject, _ key: String, now: Int64) -> String {
        if let text = record.string(key), let instant = Timestamp.parse(text) {
            return "\(text) (\(RelativeTime.format(instant, now: now)))"
        }
        if durationKeys.contains(key), let milliseconds = record.integer(key) {
            return HumanDuration.format(milliseconds: milliseconds)
        }
        if key == "frequency", let milliseconds = record.integer(key) {
            return "\(milliseconds) (\(HumanDuration.format(milliseconds: milliseconds)))"
        }
        if let items = record[key] as? [Any] {
            return items.isEmpty ? "[]" : String(decoding: (try? JSONSerialization.data(withJSONObject: items, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        return record.text(key)
    }
}
