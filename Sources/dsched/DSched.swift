// dsched: the one binary. `serve` runs a node, `worker` is what a node spawns to run scripts; the
// other subcommands are for people.
import ArgumentParser

@main
struct DSched: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsched",
        abstract: "A distributed job scheduler: jobs over REST, stored in PostgreSQL, fired by a timing wheel.",
        subcommands: [Serve.self, Next.self, WorkerCommand.self]
    )
}
