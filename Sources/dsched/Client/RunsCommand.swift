// `dsched runs`: a job's run history, one run, and cancelling a live run (README "Runs").
import ArgumentParser
import Client
import Foundation

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List a job's runs, show one run, cancel a live run.",
        subcommands: [RunsList.self, RunsShow.self, RunsCancel.self])
}

/// `dsched runs list JOB`: newest first, following `next_before` until --limit runs.
struct RunsList: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a job's runs, newest first.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var job: RecordID

    @Option(help: "At most this many runs.")
    var limit = 20

    /// Runs per request: the API's largest page.
    static let pageSize = 1000

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func execute(_ client: APIClient) throws(ClientError) {
        var runs: [[String: Any]] = []
        var before: Int64 = 0
        var nextBefore: Any = NSNull()
        while runs.count < limit {
            let query = [("limit", String(min(Self.pageSize, limit - runs.count))), ("before", String(before))]
            let page = try client.object("GET", "/jobs/\(job.value)/runs", query: query)
            runs += (page["runs"] as? [[String: Any]]) ?? []
            guard let cursor = page.integer("next_before") else { nextBefore = NSNull(); break }
            // Newest first: ids only shrink along the listing (0 is the start, before them all).
            guard cursor > 0, before == 0 || cursor < before else {
                throw .unreachable("GET /jobs/\(job.value)/runs answered next_before \(cursor) for before \(before): the cursor does not advance")
            }
            nextBefore = cursor
            before = cursor
        }
        if options.json {
            printJSON(object: ["next_before": nextBefore, "runs": runs])
        } else {
            printText(RunTable.render(runs.map(JSONObject.init), now: Timestamp.now(), palette: options.palette))
        }
    }
}

struct RunsShow: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run, with its output.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The run's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("GET", "/runs/\(id.value)")
        try printRecord(answer.body, of: "GET /runs/\(id.value)")
    }
}

/// `dsched runs cancel ID`: the node running it stops it; the run is shown as it is now.
struct RunsCancel: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending or running run.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The run's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("POST", "/runs/\(id.value)/cancel")
        try printAnswer(answer.body, of: "POST /runs/\(id.value)/cancel") { run in
            TerminalText.visible("cancelling run \(id.value) (\(run.text("status")) on \(run.text("node_id")))") + "\n"
        }
    }
}
