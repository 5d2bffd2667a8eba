// HTTPResponse+Error: the one shape of every error body,
// `{"error": {"code": "<machine_code>", "message": "<for people>"}}`.
import Foundation

public struct ErrorBody: Codable, Equatable, Sendable {
    public struct Detail: Codable, Equatable, Sendable {
        public let code: String
        public let message: String
        /// The request field at fault, when there is one.
        public let field: String?
    }

    public let error: Detail
}

extension HTTPResponse {
    public static func error(_ status: HTTPStatus, code: String, message: String, field: String? = nil,
                             headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        let body = ErrorBody(error: .init(code: code, message: message, field: field))
        return .json(status, body, headers: headers)
    }

    /// A JSON response of any Encodable value (sorted keys, RFC 3339 dates).
    public static func json<Value: Encodable>(_ status: HTTPStatus, _ value: Value, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        do {
            let bytes = try JSONCoding.encoder.encode(value)
            return HTTPResponse(status: status, contentType: "application/json", headers: headers, body: Array(bytes))
        } catch {
            return HTTPResponse(status: .internalServerError, contentType: "application/json", headers: headers,
                                body: Array(#"{"error":{"code":"encoding_failed","message":"the response could not be encoded"}}"#.utf8))
        }
    }
}

/// The JSON encoder and decoder shared by the API (one of each: they are costly to make).
public enum JSONCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder = JSONDecoder()
}
