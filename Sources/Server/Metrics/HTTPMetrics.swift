// HTTPMetrics: requests and their durations by method, route template and status code, as
// one server's HTTPRequestObserver. A label set's metric object is made on its first answer
// and kept in a table keyed by small integers: later answers look it up without allocating.
// The sets are bounded: methods are a closed set, routes the Router's templates, codes those
// the server answers with.
import CoreMetrics

final class HTTPMetrics: HTTPRequestObserver {
    private let factory: MetricsFactory
    private let routes: [String]
    private var requests: [Int: CoreMetrics.Counter] = [:]
    private var durations: [Int: CoreMetrics.Timer] = [:]

    /// `routes`: the Router's templates (Router.routeTemplates), index 0 for no match.
    init(factory: MetricsFactory, routes: [String]) {
        self.factory = factory
        self.routes = routes
    }

    func answered(method: HTTPMethodLabel, route: Int, status: Int, seconds: Double) {
        let route = routes.indices.contains(route) ? route : 0
        let series = route * HTTPMethodLabel.allCases.count + method.rawValue
        let key = series * 1000 + min(max(status, 0), 999)
        if let counter = requests[key] {
            counter.increment()
        } else {
            let counter = CoreMetrics.Counter(label: MetricDefinition.httpRequests.name, dimensions: [
                ("method", method.text), ("route", routes[route]), ("code", String(status))], factory: factory)
            requests[key] = counter
            counter.increment()
        }
        let nanoseconds = Int64((max(seconds, 0) * 1e9).rounded())
        if let timer = durations[series] {
            timer.recordNanoseconds(nanoseconds)
        } else {
            let timer = CoreMetrics.Timer(label: MetricDefinition.httpDuration.name, dimensions: [
                ("method", method.text), ("route", routes[route])], factory: factory)
            durations[series] = timer
            timer.recordNanoseconds(nanoseconds)
        }
    }
}
