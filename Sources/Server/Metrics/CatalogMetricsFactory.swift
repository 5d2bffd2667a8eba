// CatalogMetricsFactory: the swift-metrics factory that makes a node's metrics in its own
// Prometheus registry (swift-prometheus), with the help text and histogram buckets of
// MetricDefinition. swift-prometheus's own factory writes no `# HELP` line, which
// `promtool check metrics` reports; this one asks the registry with the help text instead.
// It is never bootstrapped as the process-wide factory: each Node makes its own, so several
// nodes in one test process keep apart.
import CoreMetrics
import Prometheus

struct CatalogMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let definitions: [String: MetricDefinition]

    init(registry: PrometheusCollectorRegistry, definitions: [MetricDefinition] = MetricDefinition.all) {
        self.registry = registry
        self.definitions = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func definition(_ label: String) -> MetricDefinition {
        guard let definition = definitions[label] else {
            preconditionFailure("metric \(label) is not in MetricDefinition.all")
        }
        return definition
    }

    /// The registry's name for a metric: its full name (the unit is part of it) and help.
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: definition(label).help)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    /// A gauge (`aggregate: false`) or a histogram of plain values with the definition's buckets.
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: definition(label).buckets)
    }

    /// A histogram exported in seconds, with the definition's buckets (s).
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        let buckets = definition(label).buckets.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyMeter(_ handler: MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyRecorder(_ handler: RecorderHandler) {
        switch handler {
        case let gauge as Prometheus.Gauge: registry.unregisterGauge(gauge)
        case let histogram as ValueHistogram: registry.unregisterValueHistogram(histogram)
        default: break
        }
    }

    func destroyTimer(_ handler: TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
