// Responder: the handle a handler uses to answer one request, now or later.
//
// It holds the connection weakly: when the client has gone, answering is a harmless no-op.
// Responses are written in request order whatever order handlers answer in.
public struct Responder {
    weak var connection: HTTPConnection?
    let sequence: Int

    public func respond(_ response: HTTPResponse) {
        connection?.respond(response, sequence: sequence)
    }
}
