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

        /// The heartbeat as it is stored in Redis: the address and every load figure.
        var json: String {
            var json = JSONWriter(capacity: 256)
            json.beginObject()
            json.key("address")
            json.string(address)
            for figure in NodeLoad.Figure.all {
                NodeLoad.write(figure, of: load, into: &json)
            }
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self)
        }

        /// Reads what `json` wrote; a figure that is missing or not a number stays 0.
        init?(json text: String) {
            guard case .object(let fields)? = try? JSONParser.parse(Array(text.utf8)),
                  case .string(let address)? = fields["address"] else { return nil }
            self.address = address
            load = NodeLoad()
            for figure in NodeLoad.Figure.all {
                switch fields[figure.key.description] {
                case .integer(let value)?: load.set(figure, to: Double(value))
                case .number(let value)?: load.set(figure, to: value)
                default: break
                }
            }
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
