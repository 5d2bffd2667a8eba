// `dsched jobs`: the job API for people (README "CLI"): list, show, add, edit, rm, pause,
// resume, run, ticks. Tables by default, the server's JSON with --json.
import ArgumentParser
import Client
import Foundation

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, add, change, remove, pause, resume and run jobs.",
        subcommands: [JobsList.self, JobsShow.self, JobsAdd.self, JobsEdit.self, JobsRemove.self,
                      JobsPause.self, JobsResume.self, JobsRunNow.self, JobsTicks.self])
}

/// `dsched jobs list`: every job (following `next_after` page by page), or the first --limit.
struct JobsList: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, with their schedules and next fire times.")

    @OptionGroup var options: ClientOptions

    @Option(help: "Only jobs with this exact name.")
    var name: String?

    @Option(help: "At most this many jobs (default: all).")
    var limit: Int?

    /// Jobs per request: the API's largest page (README "Read, change, delete").
    static let pageSize = 1000

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func execute(_ client: APIClient) throws(ClientError) {
        var jobs: [[String: Any]] = []
        var after: Int64 = 0
        var nextAfter: Any = NSNull()
        while true {
            let wanted = min(Self.pageSize, (limit ?? Int.max) - jobs.count)
            var query = [("limit", String(wanted)), ("after", String(after))]
            if let name { query.append(("name", name)) }
            let page = try client.object("GET", "/jobs", query: query)
            jobs += (page["jobs"] as? [[String: Any]]) ?? []
            guard let cursor = page.integer("next_after") else { nextAfter = NSNull(); break }
            // Ids only grow along the listing; a cursor that does not would loop forever.
            guard cursor > after else {
                throw .unreachable("GET /jobs answered next_after \(cursor) for after \(after): the cursor does not advance")
            }
            nextAfter = cursor
            guard jobs.count < (limit ?? Int.max) else { break }
            after = cursor
        }
        if options.json {
            // One page's shape, with every job fetched: `next_after` is null unless --limit
            // stopped the listing, and then the cursor to go on from.
            printJSON(object: ["jobs": jobs, "next_after": nextAfter])
        } else {
            printText(JobTable.render(jobs.map(JSONObject.init), now: Timestamp.now(), palette: options.palette))
        }
    }
}

/// `dsched jobs show ID`: every field of one job.
struct JobsShow: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job, every field.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("GET", "/jobs/\(id.value)")
        try printRecord(answer.body, of: "GET /jobs/\(id.value)")
    }
}

/// `dsched jobs ticks ID`: the tick audit of a window (README "Tick audit"): every tick the
/// schedule defines, with its outcome; `missed` ones had no run.
struct JobsTicks: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticks", abstract: "Audit a job's ticks in a window: which ran, failed, were skipped or missed.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    @Option(help: "The window's start, RFC 3339 (default: 24 hours before --to).")
    var from: String?

    @Option(help: "The window's end, RFC 3339 (default: now).")
    var to: String?

    @Option(help: "At most this many ticks (server default 1000, at most 10000).")
    var limit: Int?

    func execute(_ client: APIClient) throws(ClientError) {
        var query: [(String, String)] = []
        if let from { query.append(("from", from)) }
        if let to { query.append(("to", to)) }
        if let limit { query.append(("limit", String(limit))) }
        let answer = try client.send("GET", "/jobs/\(id.value)/ticks", query: query)
        try printAnswer(answer.body, of: "GET /jobs/\(id.value)/ticks") {
            TickTable.render($0, now: Timestamp.now(), palette: options.palette)
        }
    }
}
