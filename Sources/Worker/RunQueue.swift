// RunQueue: the runs a worker has accepted but not started yet (it runs at most
// `maxConcurrent` at once), in the order they came: first in, first out, none dropped.
//
// A Deque and a set of the waiting run ids: enqueue, dequeue and contains are O(1); removing a
// cancelled run from the middle is O(n), which only a cancel pays.
import DequeModule

struct RunQueue {
    private var items = Deque<WorkerMessage.RunRequest>()
    private var runIDs: Set<Int64> = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    mutating func enqueue(_ request: WorkerMessage.RunRequest) {
        items.append(request)
        runIDs.insert(request.runID)
    }

    mutating func dequeue() -> WorkerMessage.RunRequest? {
        guard let request = items.popFirst() else { return nil }
        runIDs.remove(request.runID)
        return request
    }

    func contains(runID: Int64) -> Bool {
        runIDs.contains(runID)
    }

    /// Takes out the waiting run with this id, if there is one.
    mutating func remove(runID: Int64) -> WorkerMessage.RunRequest? {
        guard runIDs.remove(runID) != nil, let index = items.firstIndex(where: { $0.runID == runID }) else { return nil }
        return items.remove(at: index)
    }
}
