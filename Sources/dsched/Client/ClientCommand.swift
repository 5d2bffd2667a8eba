// ClientCommand: the run loop every client command shares: make the client, do the work, and
// turn a ClientError into its message on stderr and its exit code (ClientError lists them).
import ArgumentParser
import Client
import Foundation

protocol ClientCommand: ParsableCommand {
    var options: ClientOptions { get }

    /// The command's work; what it prints goes to stdout.
    func execute(_ client: APIClient) throws(ClientError)
}

extension ClientCommand {
    func run() throws {
        do throws(ClientError) {
            try execute(try options.client())
        } catch {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            throw ExitCode(error.exitCode)
        }
    }

    /// Writes an answer's body as it came, with a final newline.
    func printJSON(_ body: Data) {
        FileHandle.standardOutput.write(body)
        if body.last != UInt8(ascii: "\n") {
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }

    /// Writes an object made here (pages merged) as the server writes its own: keys sorted.
    func printJSON(object: [String: Any]) {
        printJSON((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    /// Writes text as it is (tables end their lines themselves).
    func printText(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// An answer's JSON as it came with --json, else the text `render` makes of it (the
    /// answer to `request`, which names it when it is not a JSON object).
    func printAnswer(_ body: Data, of request: String, _ render: (JSONObject) -> String) throws(ClientError) {
        if options.json {
            printJSON(body)
        } else {
            printText(render(try JSONObject.parse(body, from: request)))
        }
    }

    /// One job or run: its JSON with --json, else its fields as lines.
    func printRecord(_ body: Data, of request: String) throws(ClientError) {
        try printAnswer(body, of: request) { RecordView.render($0, now: Timestamp.now(), palette: options.palette) }
    }

    /// A job as one row of the jobs table, or its JSON.
    func printJobLine(_ body: Data, of request: String) throws(ClientError) {
        try printAnswer(body, of: request) { JobTable.render([$0], now: Timestamp.now(), palette: options.palette) }
    }
}
