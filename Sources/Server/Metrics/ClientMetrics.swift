// ClientMetrics: one connection's figures to PostgreSQL or Redis — round-trip time, failed
// commands and reconnections — under fixed labels (`service`, `connection`). The connection
// records them where they happen; its queue depth is read at scrape time (NodeMetrics).
import CoreMetrics

struct ClientMetrics {
    let roundTrip: CoreMetrics.Timer
    let errors: CoreMetrics.Counter
    let reconnects: CoreMetrics.Counter

    /// Metrics that go nowhere, for connections built without a node (tests).
    static let none = ClientMetrics(factory: NOOPMetricsHandler.instance, service: "", connection: "")

    init(factory: MetricsFactory, service: String, connection: String) {
        let dimensions = [("service", service), ("connection", connection)]
        roundTrip = CoreMetrics.Timer(label: MetricDefinition.clientRoundTrip.name, dimensions: dimensions, factory: factory)
        errors = CoreMetrics.Counter(label: MetricDefinition.clientErrors.name, dimensions: dimensions, factory: factory)
        reconnects = CoreMetrics.Counter(label: MetricDefinition.clientReconnects.name, dimensions: dimensions, factory: factory)
    }

    /// A command answered after `seconds` (monotonic).
    func answered(after seconds: Double) {
        roundTrip.recordNanoseconds(Int64((max(seconds, 0) * 1e9).rounded()))
    }
}
