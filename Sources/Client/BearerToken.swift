// BearerToken: the API token as the CLI sends it (`Authorization: Bearer`, RFC 6750 §2.1). A
// token holding CR, LF or another control character cannot go in a header line (RFC 9110 §5.5):
// libcurl would drop the header and the request would go out without one, to be refused as
// "missing bearer token". The CLI says so instead (usage, exit 2) and names where it came from.
public enum BearerToken {
    /// `token` less surrounding spaces and tabs; nil when absent or empty. `source` names where
    /// it came from ("DSCHED_API_TOKEN", "the token file /etc/dsched/token") for the message.
    /// Throws `.usage` when a control character is left (its value is never echoed).
    public static func checked(_ token: String?, source: String) throws(ClientError) -> String? {
        guard let token = token?.trimmingCharacters(in: [" ", "\t"]), !token.isEmpty else { return nil }
        guard !token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .usage("\(source) holds a control character (CR, LF, ...) inside the token; a header cannot carry it")
        }
        return token
    }
}
