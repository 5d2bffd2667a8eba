// ServerRefusal: a non-2xx answer of the API, read from its one error body shape
// `{"error":{"code":…,"field":…,"message":…}}` (README "Errors"). An answer without that body
// (a proxy's HTML page, say) keeps its status and a short excerpt of what came.
import Foundation

public struct ServerRefusal: Equatable, CustomStringConvertible {
    /// The HTTP status (RFC 9110 §15).
    public let status: Int
    public let code: String?
    public let field: String?
    public let message: String

    public init(status: Int, code: String?, field: String?, message: String) {
        self.status = status
        self.code = code
        self.field = field
        self.message = message
    }

    /// Reads the error body; `body` may be anything the server or a proxy sent.
    public init(status: Int, body: Data) {
        let error = (try? JSONSerialization.jsonObject(with: body)) .flatMap { ($0 as? [String: Any])?["error"] as? [String: Any] }
        if let error, let message = error["message"] as? String {
            self.init(status: status, code: error["code"] as? String, field: error["field"] as? String, message: message)
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(status: status, code: nil, field: nil, message: text.isEmpty ? "no error body" : text)
        }
    }

    /// "HTTP 400 invalid_value (field frequency): frequency: hour field: 25 is out of range 0-23"
    public var description: String {
        var text = "HTTP \(status)"
        if let code { text += " \(code)" }
        if let field { text += " (field \(field))" }
        return text + ": " + message
    }
}
