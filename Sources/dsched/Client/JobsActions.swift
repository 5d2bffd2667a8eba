// `dsched jobs rm|pause|resume|run`: the job API's actions. `rm` asks nothing (it is for
// scripts too) but says what it removed: it reads each job before deleting it.
import ArgumentParser
import Client
import Foundation

struct JobsRemove: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete jobs (their run history stays readable).")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The ids of the jobs to delete.")
    var ids: [RecordID]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("Missing expected argument '<ids> ...'") }
    }

    /// Deletes in order and stops at the first refusal (a job already gone: 404, exit 1).
    func execute(_ client: APIClient) throws(ClientError) {
        for id in ids {
            let job = try client.send("GET", "/jobs/\(id.value)")
            _ = try client.send("DELETE", "/jobs/\(id.value)")
            if options.json {
                printJSON(job.body)
            } else {
                let name = (try? JSONObject.parse(job.body, from: "GET /jobs/\(id.value)"))?.string("name") ?? ""
                printText("removed job \(id.value) \(TerminalText.visible(name))\n")
            }
        }
    }
}

struct JobsPause: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a job: it keeps its definition and does not fire.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("POST", "/jobs/\(id.value)/pause")
        try printJobLine(answer.body, of: "POST /jobs/\(id.value)/pause")
    }
}

struct JobsResume: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused job.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("POST", "/jobs/\(id.value)/resume")
        try printJobLine(answer.body, of: "POST /jobs/\(id.value)/resume")
    }
}

/// `dsched jobs run ID`: run now, outside the schedule.
struct JobsRunNow: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a job now, outside its schedule; prints the run.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("POST", "/jobs/\(id.value)/run")
        try printAnswer(answer.body, of: "POST /jobs/\(id.value)/run") {
            RunTable.render([$0], now: Timestamp.now(), palette: options.palette)
        }
    }
}
