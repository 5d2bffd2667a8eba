// MetricsAPI: `GET /metrics`, the node's metrics in the Prometheus text format (NodeMetrics).
// Behind the token like the job API (the figures name no secret, but they tell an outsider
// what runs); `--metrics-port` serves it without one on a listener of its own (Node).
public final class MetricsAPI {
    private let metrics: NodeMetrics
    private let authenticator: Authenticator

    /// `authenticator`: the API's, or one without a token for the metrics-only listener.
    public init(metrics: NodeMetrics, authenticator: Authenticator) {
        self.metrics = metrics
        self.authenticator = authenticator
    }

    public func register(on router: Router) {
        router.add("GET", "/metrics", APIHandler.guarded(authenticator) { [metrics] _, responder in
            responder.respond(HTTPResponse(status: .ok, contentType: NodeMetrics.contentType, body: metrics.exposition()))
        })
    }
}
