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

    /// Writes text as it is (tables end their lines themselves).
    func printText(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// A positive id argument (a job's or a run's), checked before anything is sent.
struct RecordID: ExpressibleByArgument {
    let value: Int64

    init?(argument: String) {
        guard let value = Int64(argument), value > 0 else { return nil }
        self.value = value
    }
}
