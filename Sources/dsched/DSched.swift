// dsched: the one binary. `serve` runs a node, `worker` is what a node spawns to run scripts; the
// other subcommands are for people: `next`, and the API client (`jobs`, `runs`, `nodes`,
// `workers`).
import ArgumentParser
import Foundation

@main
struct DSched: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsched",
        abstract: "A distributed job scheduler: jobs over REST, stored in PostgreSQL, fired by a timing wheel.",
        subcommands: [Serve.self, Next.self, WorkerCommand.self, JobsCommand.self, RunsCommand.self,
                      NodesCommand.self, WorkersCommand.self]
    )

    /// The client commands, whose usage errors exit 2 (ClientError's table) where the others
    /// keep ArgumentParser's 64 (EX_USAGE).
    static let clientCommands: Set<String> = ["jobs", "runs", "nodes", "workers"]

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let isClient = CommandLine.arguments.dropFirst().first.map(clientCommands.contains) ?? false
            if isClient && exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
