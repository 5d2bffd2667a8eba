// RunQueue: the runs a worker has accepted but not started yet (it runs at most
// `maxConcurrent` at once), in the order they came: first in, first out, none dropped.
//
// An array with a moving head, and a set of the waiting run ids: enqueue, dequeue and
// contains are amortised O(1); removing a cancelled run from the middle is O(n), which only a
// cancel pays.
struct RunQueue {
    private var items: [WorkerMessage.RunRequest] = []
    private var head = 0
    private var runIDs: Set<Int64> = []

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func enqueue(_ request: WorkerMessage.RunRequest) {
        items.append(request)
        runIDs.insert(request.runID)
    }

    mutating func dequeue() -> WorkerMessage.RunRequest? {
        guard head < items.count else { return nil }
        let request = items[head]
        head += 1
        runIDs.remove(request.runID)
        compact()
        return request
    }

    func contains(runID: Int64) -> Bool {
        runIDs.contains(runID)
    }

    /// Takes out the waiting run with this id, if there is one.
    mutating func remove(runID: Int64) -> WorkerMessage.RunRequest? {
        guard runIDs.remove(runID) != nil,
              let index = items[head...].firstIndex(where: { $0.runID == runID }) else { return nil }
        return items.remove(at: index)
    }

    /// Drops the dequeued front once it is most of the array.
    private mutating func compact() {
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
