// ClusterState: the cluster as one read of Redis shows it (ClusterScripts.state): the Redis
// clock, the leader, how many jobs wait, and each member with its heartbeat, its share and
// the load figures it published. The leader plans from it; GET /nodes shows it.
public struct ClusterState: Equatable {
    public struct Member: Equatable {
        public let id: String
        /// The last heartbeat, on the Redis clock (ms).
        public let heartbeatAt: Int64
        /// Jobs in its share, and their summed weight.
        public let jobs: Int
        public let weight: Double
        /// What it published with its last heartbeat; nil once that expired.
        public let published: Heartbeat?
    }

    /// What a node publishes with each heartbeat: where its API listens and its load.
    public struct Heartbeat: Equatable {
        public var address: String
        public var load: NodeLoad

        public init(address: String, load: NodeLoad) {
            self.address = address
            self.load = load
        }

        var json: String {
            var json = JSONWriter(capacity: 256)
            json.beginObject()
            json.key("address")
            json.string(address)
            json.key("cached_kb")
            json.integer(load.cachedKB)
            json.key("cpu_host")
            json.number(load.hostCPU)
            json.key("cpu_process")
            json.number(load.processCPU)
            json.key("jobs")
            json.integer(load.jobs)
            json.key("mem_available_kb")
            json.integer(load.memAvailableKB)
            json.key("mem_total_kb")
            json.integer(load.memTotalKB)
            json.key("rss_kb")
            json.integer(load.rssKB)
            json.key("scheduled")
            json.integer(load.scheduled)
            json.key("weight")
            json.number(load.weight)
            json.key("workers")
            json.integer(load.workers)
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self)
        }

        init?(json text: String) {
            guard case .object(let fields)? = try? JSONParser.parse(Array(text.utf8)),
                  case .string(let address)? = fields["address"] else { return nil }
            func number(_ key: String) -> Double {
                switch fields[key] {
                case .integer(let value)?: return Double(value)
                case .number(let value)?: return value
                default: return 0
                }
            }
            self.address = address
            load = NodeLoad()
            load.cachedKB = Int(number("cached_kb"))
            load.hostCPU = number("cpu_host")
            load.processCPU = number("cpu_process")
            load.jobs = Int(number("jobs"))
            load.memAvailableKB = Int(number("mem_available_kb"))
            load.memTotalKB = Int(number("mem_total_kb"))
            load.rssKB = Int(number("rss_kb"))
            load.scheduled = Int(number("scheduled"))
            load.weight = number("weight")
            load.workers = Int(number("workers"))
        }
    }

    /// The Redis clock when read (ms).
    public let now: Int64
    public let leader: String?
    /// Jobs waiting in JOB_STORE.
    public let waiting: Int
    public let members: [Member]

    init(_ reply: RedisReply) throws(RedisError) {
        let fields = reply.elements
        guard fields.count >= 3, (fields.count - 3) % 5 == 0, let now = fields[0].integer, let waiting = fields[2].integer else {
            throw .unexpectedReply("cluster state")
        }
        self.now = now
        leader = fields[1].text.flatMap { $0.isEmpty ? nil : $0 }
        self.waiting = Int(waiting)
        var members: [Member] = []
        var index = 3
        while index < fields.count {
            guard let id = fields[index].text, let heartbeat = fields[index + 1].text.flatMap(Double.init),
                  let jobs = fields[index + 3].integer, let weight = fields[index + 4].text.flatMap(Double.init) else {
                throw .unexpectedReply("cluster member")
            }
            let published = fields[index + 2].text.flatMap { $0.isEmpty ? nil : Heartbeat(json: $0) }
            members.append(Member(id: id, heartbeatAt: Int64(heartbeat), jobs: Int(jobs), weight: weight, published: published))
            index += 5
        }
        self.members = members
    }
}
