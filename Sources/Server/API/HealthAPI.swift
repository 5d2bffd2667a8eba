// HealthAPI: `GET /healthz`, the liveness probe: 200 while the loop answers at all.
public struct HealthAPI {
    private static let ok = HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))

    public init() {}

    public func register(on router: Router) {
        router.add("GET", "/healthz") { _, responder in
            responder.respond(HealthAPI.ok)
        }
    }
}
