// HealthAPI: the probes. `GET /healthz` (liveness): 200 while the loop answers at all.
// `GET /readyz` (readiness): 200 when every dependency is reachable, else 503 naming which.
public struct HealthAPI {
    private static let ok = HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
    private static let ready = HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ready"}"#.utf8))

    private let store: JobStore

    public init(store: JobStore) {
        self.store = store
    }

    public func register(on router: Router) {
        router.add("GET", "/healthz") { _, responder in
            responder.respond(HealthAPI.ok)
        }
        router.add("GET", "/readyz") { [store] _, responder in
            if store.isAvailable {
                responder.respond(HealthAPI.ready)
            } else {
                responder.respond(APIError(.serviceUnavailable, "not_ready", "postgres: \(store.unavailableReason)",
                                           retryAfterSeconds: 1).response)
            }
        }
    }
}
