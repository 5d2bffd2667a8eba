// ClientError: why a `dsched jobs|runs|nodes|workers` command failed, and the exit code each
// reason gets, so that scripts can tell them apart.
//
//   0  done
//   1  the server answered with a refusal (4xx or 5xx): its code, field and message are printed
//   2  usage: a bad flag or value, an unreadable file, a file that is not JSON or YAML
//   3  no usable answer: the server could not be reached (refused, unknown host, timed out) or
//      its answer was not the API's JSON
public enum ClientError: Error, Equatable {
    case usage(String)
    case refused(ServerRefusal)
    case unreachable(String)

    public var exitCode: Int32 {
        switch self {
        case .refused: return 1
        case .usage: return 2
        case .unreachable: return 3
        }
    }

    /// One line for stderr, starting with "error: "; control characters (the server's message,
    /// a file's name) are shown as escapes (TerminalText).
    public var message: String {
        switch self {
        case .usage(let reason): return TerminalText.visible("error: \(reason)")
        case .refused(let refusal): return TerminalText.visible("error: \(refusal.description)")
        case .unreachable(let reason): return TerminalText.visible("error: \(reason)")
        }
    }
}
