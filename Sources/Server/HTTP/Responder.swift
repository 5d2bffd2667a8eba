// Responder: the handle a handler uses to answer one request, now or later.
//
// It holds its sink (the connection) weakly: when the client has gone, answering is a harmless
// no-op. The connection writes answers in request order whatever order handlers answer in.
public struct Responder {
    weak var sink: ResponseSink?
    let sequence: Int

    init(sink: ResponseSink, sequence: Int) {
        self.sink = sink
        self.sequence = sequence
    }

    public func respond(_ response: HTTPResponse) {
        sink?.respond(response, sequence: sequence)
    }
}

/// Where answers go: an HTTPConnection, or a test's collector.
protocol ResponseSink: AnyObject {
    func respond(_ response: HTTPResponse, sequence: Int)
}
