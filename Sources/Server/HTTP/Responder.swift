// Responder: the handle a handler uses to answer one request, now or later.
//
// It holds its sink (the connection) weakly: when the client has gone, answering is a harmless
// no-op. The connection writes answers in request order whatever order handlers answer in.
// It carries the route template the Router matched (an index into Router.routeTemplates), so
// that the answer is counted under the template, never the raw path.
public struct Responder {
    weak var sink: ResponseSink?
    let sequence: Int
    /// Index of the matched route template in Router.routeTemplates; 0: no route matched.
    var route = 0

    init(sink: ResponseSink, sequence: Int) {
        self.sink = sink
        self.sequence = sequence
    }

    public func respond(_ response: HTTPResponse) {
        sink?.respond(response, sequence: sequence, route: route)
    }
}

/// Where answers go: an HTTPConnection, or a test's collector.
protocol ResponseSink: AnyObject {
    func respond(_ response: HTTPResponse, sequence: Int, route: Int)
}
