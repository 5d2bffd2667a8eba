// Palette: colour for statuses, and the decision whether to use it. Colour goes only to a
// terminal, never to a pipe or file, and never when NO_COLOR is set to anything but the empty
// string (https://no-color.org) or TERM is "dumb".
public struct Palette: Equatable {
    public enum Colour: String {
        case red = "31", green = "32", yellow = "33", cyan = "36", dim = "2"
    }

    public let enabled: Bool

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// The decision, from whether stdout is a terminal and the environment.
    public init(standardOutputIsTerminal: Bool, environment: [String: String]) {
        let noColour = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        enabled = standardOutputIsTerminal && !noColour && environment["TERM"] != "dumb"
    }

    /// `text` in `colour` (SGR, ECMA-48 §8.3.117), or as it is when colour is off.
    public func paint(_ text: String, _ colour: Colour?) -> String {
        guard enabled, let colour else { return text }
        return "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m"
    }

    /// The colour of a run status (README "Runs") or a job state.
    public static func colour(ofStatus status: String) -> Colour? {
        switch status {
        case "succeeded", "active": return .green
        case "failed", "timed_out", "lost": return .red
        case "skipped", "cancelled", "paused": return .yellow
        case "pending", "running": return .cyan
        case "done": return .dim
        default: return nil
        }
    }
}
