// ServerAddress: where the API is (`--server`, `DSCHED_URL`, default http://127.0.0.1:8080),
// checked once so that a typo is a usage error, not a connection failure. A path prefix is
// kept (a node behind a proxy at https://ops.example/dsched).
import Foundation

public struct ServerAddress: Equatable {
    public static let defaultURL = "http://127.0.0.1:8080"

    /// The base, without a trailing slash.
    public let base: String

    /// Throws `.usage` unless `text` is an http or https URL with a host and no user, password,
    /// query or fragment. The message never echoes a user or password the URL held.
    public init(_ text: String) throws(ClientError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw .usage("--server/DSCHED_URL must be an http:// or https:// URL with a host and no user or password, "
                + "e.g. \(Self.defaultURL); got \"\(Self.withoutUserPart(text))\"")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// `text` with the user part of its authority ("admin:hunter2@") written as "…@", so that a
    /// password is never echoed.
    static func withoutUserPart(_ text: String) -> String {
        guard let start = text.range(of: "//") else { return text }
        let authorityEnd = text[start.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
        guard let at = text[start.upperBound..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<start.upperBound]) + "…" + String(text[at...])
    }

    /// The URL of an API path ("/jobs/3"); `query` items are percent-encoded.
    public func url(_ path: String, query: [(String, String)] = []) -> URL {
        var text = base + path
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            // URLComponents leaves "+" as it is; the server reads it as a space (form encoding).
            text += "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        }
        return URL(string: text)!
    }
}
