// APITokenFile: the API token read from a file (`--api-token-file`, `DSCHED_API_TOKEN_FILE`), so
// that it need sit neither in argv (/proc/<pid>/cmdline is world-readable) nor in the environment.
import ArgumentParser
import Foundation

enum APITokenFile {
    /// The file's content less trailing line breaks ("\n", "\r\n"); an empty result is no token.
    /// Throws a ValidationError naming the path and the reason when the file cannot be read.
    static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ValidationError("cannot read the API token file \(path): \(reason)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ValidationError("the API token file \(path) is not UTF-8")
        }
        while let last = text.unicodeScalars.last, last == "\n" || last == "\r" {
            text.unicodeScalars.removeLast()
        }
        return text
    }
}
