// ClientOptions: what every client command (`dsched jobs|runs|nodes|workers`) shares: the
// server (`--server`, else DSCHED_URL, else http://127.0.0.1:8080), the API token
// (`--token-file`, else DSCHED_API_TOKEN; never a flag holding the token itself, since argv is
// readable by every user in ps and /proc), and `--json`.
import ArgumentParser
import Client
import Foundation

struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The node's URL (default: DSCHED_URL, else \(ServerAddress.defaultURL)).", valueName: "url"))
    var server: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the API token (default: DSCHED_API_TOKEN).", valueName: "path"))
    var tokenFile: String?

    @Flag(help: "Print the server's JSON instead of a table.")
    var json = false

    /// The client these options name; a bad URL, an unreadable token file or a token with a
    /// control character is a usage error.
    func client(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientError) -> APIClient {
        let address = try ServerAddress(server ?? environment["DSCHED_URL"] ?? ServerAddress.defaultURL)
        let token: String?
        if let tokenFile {
            let text: String
            do {
                text = try APITokenFile.read(tokenFile)
            } catch {
                throw .usage("\(error)")
            }
            token = try BearerToken.checked(text, source: "the token file \(tokenFile)")
        } else {
            token = try BearerToken.checked(environment["DSCHED_API_TOKEN"], source: "DSCHED_API_TOKEN")
        }
        return APIClient(address: address, token: token)
    }

    /// Colour when stdout is a terminal and NO_COLOR does not forbid it.
    var palette: Palette {
        Palette(standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
    }
}
