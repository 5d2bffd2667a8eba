// `dsched jobs add` and `dsched jobs edit`: a job's fields from flags or a file (JobFieldOptions),
// sent as POST /jobs (one job or an array) or PATCH /jobs/{id} (only the fields given).
import ArgumentParser
import Client
import Foundation

struct JobsAdd: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Submit a job (or the jobs of a file).",
        discussion: """
            Fields come from flags, or from a file (-f job.yaml, -f jobs.json) with the API's field \
            names (README "Job fields"); flags override the file's fields. A file may hold an \
            array of jobs: they are submitted all or nothing.
            """)

    @OptionGroup var options: ClientOptions
    @OptionGroup var fields: JobFieldOptions

    func execute(_ client: APIClient) throws(ClientError) {
        let body = try fields.body(file: try fields.file.map(JobFile.read), allowsArray: true)
        let answer = try client.send("POST", "/jobs", body: body)
        if options.json {
            printJSON(answer.body)
            return
        }
        let value = try? JSONSerialization.jsonObject(with: answer.body)
        let jobs = (value as? [[String: Any]]) ?? (value as? [String: Any]).map { [$0] } ?? []
        printText(JobTable.render(jobs.map(JSONObject.init), now: Timestamp.now(), palette: options.palette))
    }
}

struct JobsEdit: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change some fields of a job.",
        discussion: "Only the fields given (flags, a file's, --unset) are sent, as a PATCH; the rest stay.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's id.")
    var id: RecordID

    @OptionGroup var fields: JobFieldOptions

    func execute(_ client: APIClient) throws(ClientError) {
        let body = try fields.body(file: try fields.file.map(JobFile.read), allowsArray: false)
        let answer = try client.send("PATCH", "/jobs/\(id.value)", body: body)
        try printRecord(answer.body, of: "PATCH /jobs/\(id.value)")
    }
}
