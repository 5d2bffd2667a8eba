// APIHandler: what every API endpoint does the same way — the token check, thrown APIErrors
// turned into responses, path ids and integer query parameters.
enum APIHandler {
    /// Runs the handler after the token check; an APIError it throws becomes the response.
    static func guarded(_ authenticator: Authenticator,
                        _ handler: @escaping (HTTPRequest, Responder) throws(APIError) -> Void) -> HTTPServer.Handler {
        { request, responder in
            if let refusal = authenticator.check(request) {
                responder.respond(refusal.response)
                return
            }
            do throws(APIError) {
                try handler(request, responder)
            } catch {
                responder.respond(error.response)
            }
        }
    }

    /// A positive integer path parameter.
    static func positiveID(_ request: HTTPRequest, _ name: String) throws(APIError) -> Int64 {
        guard let text = request.pathParameters[name], let id = Int64(text), id > 0 else {
            throw APIError.invalid(name, "invalid_value", "must be a positive integer, got \"\(request.pathParameters[name] ?? "")\"")
        }
        return id
    }

    static func integerParameter(_ text: String?, _ name: String, range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.invalid(name, "invalid_value", "must be an integer in \(range.lowerBound)-\(range.upperBound), got \"\(text)\"")
        }
        return value
    }
}
