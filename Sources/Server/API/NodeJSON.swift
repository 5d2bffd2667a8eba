// NodeJSON: the cluster as GET /nodes shows it. Keys are alphabetical; each member's load
// figures are those its last heartbeat published (null once that expired), written by
// NodeLoad's own figure writer, beside what Redis knows of the member (its heartbeat's age,
// its share of jobs and their weight, leader or not).
enum NodeJSON {
    static func write(_ state: ClusterState, into json: inout JSONWriter) {
        json.beginObject()
        json.key("leader")
        json.string(state.leader)
        json.key("nodes")
        json.beginArray()
        for member in state.members {
            write(member, of: state, into: &json)
        }
        json.endArray()
        json.key("waiting")
        json.integer(state.waiting)
        json.endObject()
    }

    private static func write(_ member: ClusterState.Member, of state: ClusterState, into json: inout JSONWriter) {
        let load = member.published?.load
        json.beginObject()
        json.key("address")
        json.string(member.published?.address)
        for figure: NodeLoad.Figure in [.cachedKB, .clockErrorMs, .clockOffsetMs, .hostCPU, .processCPU] {
            NodeLoad.write(figure, of: load, into: &json)
        }
        json.key("heartbeat_age_ms")
        json.integer(max(state.now - member.heartbeatAt, 0))
        json.key("id")
        json.string(member.id)
        json.key("jobs")
        json.integer(member.jobs)
        json.key("leader")
        json.bool(member.id == state.leader)
        for figure: NodeLoad.Figure in [.memAvailableKB, .memTotalKB, .rssKB, .scheduled] {
            NodeLoad.write(figure, of: load, into: &json)
        }
        json.key("weight")
        json.number(member.weight)
        NodeLoad.write(.workers, of: load, into: &json)
        json.endObject()
    }
}
