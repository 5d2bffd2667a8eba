// WorkerJSON: the node's workers as GET /workers shows them, written with JSONWriter. Keys
// are alphabetical; CPU in milliseconds, memory in KiB. `waiting`: runs won by this node that
// wait for a worker slot (a figure that grows when the node cannot keep up).
enum WorkerJSON {
    static func write(_ workers: [WorkerInfo], waiting: Int, into json: inout JSONWriter) {
        json.beginObject()
        json.key("waiting")
        json.integer(waiting)
        json.key("workers")
        json.beginArray()
        for worker in workers {
            json.beginObject()
            json.key("cpu_ms")
            json.integer(worker.cpuMilliseconds)
            json.key("in_flight")
            json.integer(worker.inFlight)
            json.key("pid")
            json.integer(worker.pid)
            json.key("restarts")
            json.integer(worker.restarts)
            json.key("rss_kb")
            json.integer(worker.rssKilobytes)
            json.key("slot")
            json.integer(worker.slot)
            json.key("state")
            json.string(worker.state)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}
