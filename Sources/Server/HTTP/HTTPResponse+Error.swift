// HTTPResponse+Error: the one shape of every error body,
// `{"error": {"code": "<machine_code>", "field": "<when one is at fault>", "message": "<for people>"}}`.
extension HTTPResponse {
    public static func error(_ status: HTTPStatus, code: String, message: String, field: String? = nil,
                             headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var json = JSONWriter()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.string(code)
        if let field {
            json.key("field")
            json.string(field)
        }
        json.key("message")
        json.string(message)
        json.endObject()
        json.endObject()
        return .json(status, json, headers: headers)
    }

    /// A response carrying what a JSONWriter wrote.
    public static func json(_ status: HTTPStatus, _ json: JSONWriter, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", headers: headers, body: json.bytes)
    }
}
