// TerminalText: text from the server (job names, run output, error messages) made safe to print
// on an operator's terminal. A job's output holding `ESC ] 0 ; title BEL` or `ESC [ 2 J` would
// otherwise retitle or clear the terminal of whoever runs `dsched runs show`; every C0 control
// but newline and tab, DEL, and every C1 control (ECMA-48 §5: U+0080-U+009F, which some
// terminals read as CSI and OSC too) is shown as a visible escape instead. `--json` output is
// never passed through here: it stays byte-exact.
public enum TerminalText {
    /// `text` with its control characters written as `\x1b` (C0, DEL) or `\u{9b}` (C1).
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                result.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16)
            let escape = scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" : "") + hex : "\\u{" + hex + "}"
            result.append(contentsOf: escape.unicodeScalars)
        }
        return String(result)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        default: return false
        }
    }
}
