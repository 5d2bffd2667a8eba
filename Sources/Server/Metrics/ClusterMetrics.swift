// ClusterMetrics: what this node sees of the cluster as its leader (ClusterLeader): members,
// leadership taken and lost, failovers and how long after the dead node's last heartbeat
// each came, and jobs moved by cause.
import CoreMetrics

struct ClusterMetrics {
    let members: CoreMetrics.Gauge
    let leadershipAcquired: CoreMetrics.Counter
    let leadershipLost: CoreMetrics.Counter
    let failovers: CoreMetrics.Counter
    let failoverTime: CoreMetrics.Timer
    let jobsAssigned: CoreMetrics.Counter
    let jobsFailedOver: CoreMetrics.Counter
    let jobsRebalanced: CoreMetrics.Counter

    /// Metrics that go nowhere, for a leader built without a node (tests).
    static let none = ClusterMetrics(factory: NOOPMetricsHandler.instance)

    init(factory: MetricsFactory) {
        func counter(_ definition: MetricDefinition, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: definition.name, dimensions: dimensions, factory: factory)
        }
        members = CoreMetrics.Gauge(label: MetricDefinition.clusterMembers.name, factory: factory)
        leadershipAcquired = counter(.leaderChanges, [("change", "acquired")])
        leadershipLost = counter(.leaderChanges, [("change", "lost")])
        failovers = counter(.failovers)
        failoverTime = CoreMetrics.Timer(label: MetricDefinition.failoverTime.name, factory: factory)
        jobsAssigned = counter(.jobsMoved, [("cause", "assign")])
        jobsFailedOver = counter(.jobsMoved, [("cause", "failover")])
        jobsRebalanced = counter(.jobsMoved, [("cause", "rebalance")])
    }
}
