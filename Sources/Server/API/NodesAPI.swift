// NodesAPI: the cluster as Redis sees it now.
//
//   GET /nodes   each live node: id, address, leader or not, heartbeat age, jobs owned and
//                their weight, jobs loaded in its wheel, CPU (host, and its own process
//                tree), memory, workers; plus
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
                Self.write(state, into: &json)
                responder.respond(.json(.ok, json))
            case .failure(let error):
                responder.respond(APIError(.serviceUnavailable, "cluster_unavailable", "\(error)", retryAfterSeconds: 1).response)
            }
        }
    }

    static func write(_ state: ClusterState, into json: inout JSONWriter) {
        json.beginObject()
        json.key("leader")
        json.string(state.leader)
        json.key("nodes")
        json.beginArray()
        for member in state.members {
            let load = member.published?.load
            json.beginObject()
            json.key("address")
            json.string(member.published?.address)
            json.key("cached_kb")
            json.integer(load?.cachedKB)
            json.key("cpu_host")
            if let load { json.number(load.hostCPU) } else { json.null() }
            json.key("cpu_process")
            if let load { json.number(load.processCPU) } else { json.null() }
            json.key("heartbeat_age_ms")
            json.integer(max(state.now - member.heartbeatAt, 0))
            json.key("id")
            json.string(member.id)
            json.key("jobs")
            json.integer(member.jobs)
            json.key("leader")
            json.bool(member.id == state.leader)
            json.key("mem_available_kb")
            json.integer(load?.memAvailableKB)
            json.key("mem_total_kb")
            json.integer(load?.memTotalKB)
            json.key("rss_kb")
            json.integer(load?.rssKB)
            json.key("scheduled")
            json.integer(load?.scheduled)
            json.key("weight")
            json.number(member.weight)
            json.key("workers")
            json.integer(load?.workers)
            json.endObject()
        }
        json.endArray()
        json.key("waiting")
        json.integer(state.waiting)
        json.endObject()
    }
}
