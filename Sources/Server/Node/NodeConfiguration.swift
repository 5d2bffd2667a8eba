// NodeConfiguration: everything a node is told at start-up, already resolved
// (command-line flag, else environment variable, else default) and validated.
public struct NodeConfiguration: Sendable {
    public struct Postgres: Sendable {
        public var host = "localhost"
        public var port = 5432
        public var user = "postgres"
        public var password = ""
        public var database = "dsched"
        public init() {}
    }

    public struct Redis: Sendable {
        public var host = "localhost"
        public var port = 6379
        public init() {}
    }

    /// Redis key names, after the seed's configuration names.
    public struct RedisKeys: Sendable {
        public var channel = "dsched:channel"
        public var processStore = "dsched:process_store"
        public var jobStore = "dsched:job_store"
        public var jobProcessed = "dsched:job_processed"
        public init() {}
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var postgres = Postgres()
    public var redis = Redis()
    public var keys = RedisKeys()
    public var http = HTTPLimits()
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    public var shutdownGrace = 10.0

    public init() {}
}
