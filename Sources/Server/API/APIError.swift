// APIError: a request the API refuses, with the status, the machine code, the field at fault
// and a message for people. It becomes the one error body shape at the HTTP edge.
public struct APIError: Error, Equatable {
    public let status: HTTPStatus
    public let code: String
    public let message: String
    public let field: String?
    public var retryAfterSeconds: Int?
    /// The `WWW-Authenticate` challenge a 401 must carry (RFC 9110 §11.6.1).
    public var challenge: String?

    public init(_ status: HTTPStatus, _ code: String, _ message: String, field: String? = nil, retryAfterSeconds: Int? = nil,
                challenge: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
        self.challenge = challenge
    }

    /// 400 for one field: the message starts with the field's name.
    static func invalid(_ field: String, _ code: String, _ reason: String) -> APIError {
        APIError(.badRequest, code, "\(field): \(reason)", field: field)
    }

    static func store(_ error: StoreError) -> APIError {
        switch error {
        case .unavailable(let reason):
            return APIError(.serviceUnavailable, "store_unavailable", "the job store is unavailable: \(reason)", retryAfterSeconds: 1)
        case .failed(let reason):
            return APIError(.internalServerError, "store_error", "the job store failed: \(reason)")
        }
    }

    public var response: HTTPResponse {
        var headers = HTTPHeaders()
        if let retryAfterSeconds {
            headers.add(name: "Retry-After", value: String(retryAfterSeconds))
        }
        if let challenge {
            headers.add(name: "WWW-Authenticate", value: challenge)
        }
        return .error(status, code: code, message: message, field: field, headers: headers)
    }
}
