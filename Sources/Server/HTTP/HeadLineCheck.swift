// HeadLineCheck: the line rules of a request head that http-parser (built lenient, as Debian
// ships it) does not enforce. It frames nothing: http-parser still parses every byte; this only
// looks at line ends, in the head, before http-parser is handed them.
//
// - Every line ends with CRLF: a bare LF is refused. RFC 9112 §2.2 lets a recipient take a bare
//   LF as a line end, but a proxy in front that does not would see other header lines than we
//   do (`X: a\nTransfer-Encoding: chunked` is one field to it, two to us): request smuggling.
//   A bare CR, NUL and the other controls in a field value are refused by http-parser itself.
// - No header line starts with white space: obs-fold is refused, as RFC 9112 §5.2 allows (and
//   so is white space between the request line and the first field, §2.2).
//
// Example: `GET / HTTP/1.1\r\nHost: x\r\n\r\n` passes; `GET / HTTP/1.1\nHost: x\r\n\r\n` fails
// at its first LF; `…\r\nX: a\r\n b\r\n\r\n` fails at the space before `b`.
struct HeadLineCheck {
    private enum State {
        /// Before a request line: the empty lines RFC 9112 §2.2 lets a server skip.
        case betweenMessages
        /// Inside a head; `lineStart` is true right after a line's CRLF (and its CR).
        case head(previous: UInt8, lineStart: Bool)
        /// After the head's empty line: the body is not looked at.
        case body
    }

    private var state = State.betweenMessages

    /// Looks at `bytes`, the next bytes of the connection, up to the end of the current head.
    /// Returns why the first byte that breaks a rule does, else nil.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> String? {
        for byte in bytes {
            switch state {
            case .body:
                return nil
            case .betweenMessages:
                if byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\n") {
                    state = .head(previous: byte, lineStart: false)
                }
            case .head(let previous, let lineStart):
                if byte == UInt8(ascii: "\n") {
                    guard previous == UInt8(ascii: "\r") else { return "a line ends with a bare LF, not CRLF (RFC 9112 §2.2)" }
                    state = lineStart ? .body : .head(previous: byte, lineStart: true)
                } else if byte == UInt8(ascii: "\r") {
                    state = .head(previous: byte, lineStart: lineStart)
                } else {
                    if lineStart && (byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")) {
                        return "a header line starts with white space: obs-fold is not accepted (RFC 9112 §5.2)"
                    }
                    state = .head(previous: byte, lineStart: false)
                }
            }
        }
        return nil
    }

    /// The message is complete: the next bytes may start another.
    mutating func reset() {
        state = .betweenMessages
    }
}
