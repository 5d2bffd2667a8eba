// `dsched nodes` and `dsched workers`: the cluster's live nodes (GET /nodes, any node answers
// for all) and the answering node's worker processes (GET /workers).
import ArgumentParser
import Client

struct NodesCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "nodes", abstract: "List the cluster's live nodes.")

    @OptionGroup var options: ClientOptions

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("GET", "/nodes")
        try printAnswer(answer.body, of: "GET /nodes") { NodeTable.render($0, palette: options.palette) }
    }
}

struct WorkersCommand: ClientCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "List the node's worker processes.")

    @OptionGroup var options: ClientOptions

    func execute(_ client: APIClient) throws(ClientError) {
        let answer = try client.send("GET", "/workers")
        try printAnswer(answer.body, of: "GET /workers") { WorkerTable.render($0, palette: options.palette) }
    }
}
