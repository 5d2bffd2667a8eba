// NodesAPI: the cluster as Redis sees it now.
//
//   GET /nodes   each live node: id, address, leader or not, heartbeat age, jobs owned and
//                their weight, jobs loaded in its wheel, CPU (host, and its own process
//                tree), memory, workers, its clock's offset to PostgreSQL's and the
//                error of that estimate (ms; null while unmeasured); plus
//                the leader and the jobs waiting for an owner. 503 + Retry-After when Redis
//                cannot be reached.
public final class NodesAPI {
    private let cluster: Cluster
    private let authenticator: Authenticator

    public init(cluster: Cluster, authenticator: Authenticator) {
        self.cluster = cluster
        self.authenticator = authenticator
    }

    public func register(on router: Router) {
        router.add("GET", "/nodes", APIHandler.guarded(authenticator) { [self] in nodes($0, $1) })
    }

    private func nodes(_ request: HTTPRequest, _ responder: Responder) {
        cluster.state { outcome in
            switch outcome {
            case .success(let state):
                var json = JSONWriter(capacity: 512)
                NodeJSON.write(state, into: &json)
                responder.respond(.json(.ok, json))
            case .failure(let error):
                responder.respond(APIError(.serviceUnavailable, "cluster_unavailable", "\(error)", retryAfterSeconds: 1).response)
            }
        }
    }
}
