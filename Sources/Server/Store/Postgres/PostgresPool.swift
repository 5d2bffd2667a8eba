// PostgresPool: a few PostgresConnections used as one.
//
// With one connection the node alternates between working and waiting: while a batch commits
// the loop idles, and while the loop parses the next requests PostgreSQL idles. Two or more
// connections let a batch commit while the next one is assembled. Each query goes to the
// ready connection with the least work queued; if none is ready it waits on the one with the
// shortest queue (each connection bounds its queue and its waiting time).
import EventLoop
import Logging

public final class PostgresPool {
    private let connections: [PostgresConnection]

    public init(reactor: Reactor, configuration: PostgresConnection.Configuration, size: Int, prelude: String?, logger: Logger) {
        precondition(size >= 1, "a pool needs a connection")
        connections = (0..<size).map { _ in
            PostgresConnection(reactor: reactor, configuration: configuration, prelude: prelude, logger: logger)
        }
    }

    public var size: Int { connections.count }

    public var isReady: Bool { connections.contains { $0.isReady } }

    public var unavailableReason: String {
        connections.first { !$0.isReady }?.unavailableReason ?? ""
    }

    /// Records each connection's figures under `name` (the `connection` label), and samples
    /// the queries queued or in flight at each scrape.
    func measure(into metrics: NodeMetrics, name: String) {
        let figures = metrics.client(service: "postgres", connection: name)
        connections.forEach { $0.metrics = figures }
        metrics.sample(.clientQueue, [("service", "postgres"), ("connection", name)]) { [connections] in
            connections.reduce(0) { $0 + $1.load }
        }
    }

    public func start() {
        connections.forEach { $0.start() }
    }

    public func send(_ query: PostgresQuery) {
        let ready = connections.filter(\.isReady)
        let candidates = ready.isEmpty ? connections : ready
        candidates.min { $0.load < $1.load }!.send(query)
    }
}
