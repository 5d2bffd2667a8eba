@testable import Server

/// Collects the answers handlers give, in place of a connection.
final class ResponseCollector: ResponseSink {
    private(set) var responses: [Int: HTTPResponse] = [:]
    private var next = 0

    func respond(_ response: HTTPResponse, sequence: Int) {
        precondition(responses[sequence] == nil, "answered twice")
        responses[sequence] = response
    }

    func responder() -> Responder {
        defer { next += 1 }
        return Responder(sink: self, sequence: next)
    }
}
