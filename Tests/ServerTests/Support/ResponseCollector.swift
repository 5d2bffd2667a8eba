@testable import Server

/// Collects the answers handlers give, in place of a connection.
final class ResponseCollector: ResponseSink {
    private(set) var responses: [Int: HTTPResponse] = [:]
    /// The route template index each answer carried (Router.routeTemplates).
    private(set) var routes: [Int: Int] = [:]
    private var next = 0

    func respond(_ response: HTTPResponse, sequence: Int, route: Int) {
        precondition(responses[sequence] == nil, "answered twice")
        responses[sequence] = response
        routes[sequence] = route
    }

    func responder() -> Responder {
        defer { next += 1 }
        return Responder(sink: self, sequence: next)
    }
}
