// HealthAPI: the probes. `GET /healthz` (liveness): 200 while the loop answers at all.
// `GET /readyz` (readiness): 200 when every dependency is reachable and the node fires, else
// 503 naming which (`clock`: its offset to PostgreSQL's clock is not known within
// --max-clock-skew, see ClockSync; `lease`: the node is fenced, its lease not renewed — what a
// connection that hangs rather than fails shows; `postgres`) and nothing more. Probes need no token, so the
// answer never carries the database's host, port or libpq's words: those go to the log, once
// per change of readiness.
import Logging

public final class HealthAPI {
    private static let ok = HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
    private static let ready = HTTPResponse(status: .ok, contentType: "application/json", body: Array(#"{"status":"ready"}"#.utf8))

    private let store: JobStore
    private let firingBlockers: () -> [String]
    private let logger: Logger
    /// Whether the last probe found the node ready; nil before the first probe.
    private var wasReady: Bool?

    /// `firingBlockers`: what keeps the node from firing (FiringLayer.firingBlockers).
    public init(store: JobStore, firingBlockers: @escaping () -> [String], logger: Logger) {
        self.store = store
        self.firingBlockers = firingBlockers
        self.logger = logger
    }

    public func register(on router: Router) {
        router.add("GET", "/healthz") { _, responder in
            responder.respond(HealthAPI.ok)
        }
        router.add("GET", "/readyz") { [self] _, responder in
            responder.respond(readiness())
        }
    }

    private func readiness() -> HTTPResponse {
        let postgres = store.isAvailable
        let blockers = firingBlockers()
        let notReady = blockers + (postgres ? [] : ["postgres"])
        if notReady.isEmpty != wasReady {
            if notReady.isEmpty {
                logger.info("ready", metadata: ["dependencies": "clock,lease,postgres"])
            } else {
                // libpq's messages span lines; the log keeps one line per event.
                let reason = !postgres ? store.unavailableReason.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    : blockers.contains("clock") ? "the offset to PostgreSQL's clock is not known within --max-clock-skew"
                    : "the node lease is not renewed (fenced)"
                logger.warning("not ready", metadata: ["dependency": "\(notReady.joined(separator: ","))", "reason": "\(reason)"])
            }
            wasReady = notReady.isEmpty
        }
        return notReady.isEmpty ? Self.ready : Self.notReady(notReady)
    }

    /// 503 with the error body every error has, and the list of what is not ready:
    /// `{"error":{"code":"not_ready","message":"postgres: not ready"},"not_ready":["postgres"],"status":"not_ready"}`.
    private static func notReady(_ names: [String]) -> HTTPResponse {
        var json = JSONWriter()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.key("code")
        json.string("not_ready")
        json.key("message")
        json.string("\(names.joined(separator: ", ")): not ready")
        json.endObject()
        json.key("not_ready")
        json.beginArray()
        names.forEach { json.string($0) }
        json.endArray()
        json.key("status")
        json.string("not_ready")
        json.endObject()
        return .json(.serviceUnavailable, json, headers: HTTPHeaders([("Retry-After", "1")]))
    }
}
