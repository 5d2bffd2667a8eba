// NodeMetrics: one node's metrics, in a Prometheus registry of its own (swift-prometheus),
// made through swift-metrics' API with CatalogMetricsFactory; the Node makes one and hands
// each part the few metric objects it records (FiringMetrics, ClientMetrics, ClusterMetrics,
// ...). No process-wide bootstrap: several nodes in one test process do not meet.
//
// Figures that are state rather than events (jobs by state, queue depths, live workers, the
// backlogs) are read when scraped: the parts register samplers that set their gauges, and
// `exposition()` runs them before writing the text format (Prometheus exposition format
// 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/).
import CoreMetrics
import Prometheus

public final class NodeMetrics {
    let registry = PrometheusCollectorRegistry()
    let factory: CatalogMetricsFactory
    let firing: FiringMetrics
    let cluster: ClusterMetrics
    /// Ticks per claim statement (PostgresRunStore).
    let claimBatch: CoreMetrics.Recorder
    let workerRestarts: CoreMetrics.Counter
    /// Recorded by the tick audit: ticks no node ran.
    public let ticksMissed: CoreMetrics.Counter
    /// Recorded by the retention: rows of job_run deleted.
    public let runsPruned: CoreMetrics.Counter
    private var samplers: [() -> Void] = []

    /// The Content-Type of `exposition()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init() {
        factory = CatalogMetricsFactory(registry: registry)
        firing = FiringMetrics(factory: factory)
        cluster = ClusterMetrics(factory: factory)
        claimBatch = CoreMetrics.Recorder(label: MetricDefinition.claimBatch.name, aggregate: true, factory: factory)
        workerRestarts = CoreMetrics.Counter(label: MetricDefinition.workerRestarts.name, factory: factory)
        ticksMissed = CoreMetrics.Counter(label: MetricDefinition.ticksMissed.name, factory: factory)
        runsPruned = CoreMetrics.Counter(label: MetricDefinition.runsPruned.name, factory: factory)
    }

    /// The figures of one connection to PostgreSQL or Redis.
    func client(service: String, connection: String) -> ClientMetrics {
        ClientMetrics(factory: factory, service: service, connection: connection)
    }

    /// The observer that counts one server's requests by its router's templates.
    func http(routes: [String]) -> HTTPRequestObserver {
        HTTPMetrics(factory: factory, routes: routes)
    }

    /// A gauge of `definition` with fixed labels, set by `read` at each scrape.
    func sample(_ definition: MetricDefinition, _ dimensions: [(String, String)] = [], _ read: @escaping () -> Int) {
        let gauge = CoreMetrics.Gauge(label: definition.name, dimensions: dimensions, factory: factory)
        samplers.append { gauge.record(read()) }
    }

    /// Reads the sampled gauges, then writes every metric in the text format.
    public func exposition() -> [UInt8] {
        samplers.forEach { $0() }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
