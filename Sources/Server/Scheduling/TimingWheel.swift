// TimingWheel holds every armed job tick of a node and hands back the due ones in deadline
// order. A node may hold millions of ticks, most far ahead and many cancelled or re-armed
// before they fire, so insert and cancel are O(1) and a timer costs one 32-byte pool entry
// (for an 8-byte payload), with no allocation per timer.

/// TimingWheel is a hierarchical timing wheel with 1 ms resolution (the Linux kernel's
/// classic cascading wheel, with Kafka's "sleep until the next non-empty bucket").
///
/// **Algorithm.** Time is an `Int64` count of milliseconds. There are 7 levels of 64 slots;
/// level L slots are 64^L ms wide, so level 0 holds single milliseconds and level 6 spans
/// 2^42 ms (139 years). `cursor` is the first millisecond not yet processed. A deadline `d`
/// goes to the lowest level L at which `d` and `cursor` agree on every bit above the level's
/// six (`L = highestBit(d ^ cursor) / 6`), in slot `(d >> 6L) & 63`. Such slots never wrap
/// around, so at every level the lowest occupied slot is the earliest, and the lowest occupied
/// level holds the earliest of all. Advancing repeatedly takes that earliest slot: a level 0
/// slot fires (all its timers share one deadline); a higher slot is *cascaded* when the
/// cursor reaches its start: its timers are placed again and land on lower levels. Deadlines
/// beyond level 6 wait in an overflow list; those already due wait in an overdue list. A
/// 64-bit occupancy mask per level finds the next slot without touching empty ones, which
/// makes `nextExpiry()` O(levels) and lets a reactor sleep until then.
///
/// **Worked example.** `init(now: 0)` sets cursor 1. Timer A at 5 ms: `5 ^ 1 = 4` fits in six
/// bits, so level 0, slot 5. Timer B at 200 ms: `200 ^ 1 = 201`, highest bit 7, so level 1,
/// slot `200 >> 6 = 3` (ms 192-255). Timer C at 5000 ms: highest bit of `5000 ^ 1` is 12, so
/// level 2, slot `5000 >> 12 = 1` (ms 4096-8191). `advance(to: 300)` fires A (level 0 is the
/// lowest occupied), then reaches level 1 slot 3 at 192: cascading places B again relative to
/// cursor 192 (`200 ^ 192 = 8`), into level 0 slot 8, which then fires B at 200. Level 2's slot
/// starts at 4096 > 300, so the cursor stops at 301 and `nextExpiry()` is 4096. There C
/// cascades to level 1 slot 14 (ms 4992-5055), at 4992 to level 0 slot 8, and fires at 5000.
///
/// **Invariants** (tested): a timer never fires early, only from an `advance(to:)` whose time
/// is at or after its deadline; each due timer fires exactly once, in deadline order, ties in
/// the order they were scheduled (a re-armed timer counts as newly scheduled); a timer whose
/// deadline is at or before `now` is already due and fires at the next `advance`.
///
/// **Costs.** `schedule`, `cancel` and `reschedule` are O(1); each timer is moved at most once
/// per level it passes on the way down (at most 6 times, 3 for deadlines an hour ahead);
/// `nextExpiry()` is O(levels). Timers live in one array of structs linked by `Int32` indices,
/// with a free list, so nothing is allocated per timer once the pool has grown. Payloads are
/// `BitwiseCopyable` (job ids, indices): no reference counting on the hot path, and freed pool
/// entries hold no references.
///
/// **Re-entrancy.** `advance(to:into:)` appends the expired timers to a buffer instead of
/// calling back, so the caller can schedule and cancel freely while handling them (Swift's
/// exclusive access would forbid touching the wheel from inside a callback). Timers scheduled
/// then with deadlines at or before `now` fire at the next `advance`.
public struct TimingWheel<Payload: BitwiseCopyable> {
    /// A timer that came due: its handle (now stale), its deadline and its payload.
    public struct Expired {
        public let handle: TimerHandle
        public let deadline: Int64
        public let payload: Payload

        @inlinable init(handle: TimerHandle, deadline: Int64, payload: Payload) {
            self.handle = handle
            self.deadline = deadline
            self.payload = payload
        }
    }

    /// One pool entry: a timer, or a free entry (`bucket == -1`) chained through `next`.
    @usableFromInline struct Node {
        @usableFromInline var deadline: Int64
        @usableFromInline var next: Int32
        @usableFromInline var prev: Int32
        @usableFromInline var bucket: Int32
        @usableFromInline var generation: UInt32
        @usableFromInline var payload: Payload

        @inlinable init(deadline: Int64, payload: Payload) {
            self.deadline = deadline
            next = -1
            prev = -1
            bucket = -1
            generation = 0
            self.payload = payload
        }
    }

    @inlinable static var levels: Int { 7 }
    @inlinable static var overflowBucket: Int32 { 448 }
    @inlinable static var overdueBucket: Int32 { 449 }
    @inlinable static var bucketCount: Int { 450 }

    @usableFromInline var nodes: [Node]
    /// First and last pool index of each bucket's list, -1 when empty: 7 × 64 wheel slots,
    /// then the overflow list, then the overdue list.
    @usableFromInline var heads: [Int32]
    @usableFromInline var tails: [Int32]
    /// Bit s of `occupied[L]` is set when level L slot s is not empty.
    @usableFromInline var occupied: [UInt64]
    @usableFromInline var freeHead: Int32 = -1
    /// The first millisecond not yet processed: every deadline before it has fired or is
    /// in the overdue list.
    @usableFromInline var cursor: Int64
    @usableFromInline var pending = 0

    /// An empty wheel whose clock reads `now`; `capacity` pre-sizes the timer pool.
    @inlinable public init(now: Int64, capacity: Int = 0) {
        cursor = min(now, Int64.max - 1) + 1
        nodes = []
        nodes.reserveCapacity(capacity)
        heads = Array(repeating: -1, count: Self.bucketCount)
        tails = Array(repeating: -1, count: Self.bucketCount)
        occupied = Array(repeating: 0, count: Self.levels)
    }

    /// The number of armed timers.
    @inlinable public var count: Int { pending }

    /// The wheel's clock: the latest time passed to `advance` (or `init`).
    @inlinable public var now: Int64 { cursor - 1 }

    /// Bytes held by the pool and the bucket arrays (allocated capacity, not just used).
    public var memoryFootprint: Int {
        nodes.capacity * MemoryLayout<Node>.stride + (heads.capacity + tails.capacity) * MemoryLayout<Int32>.stride
            + occupied.capacity * MemoryLayout<UInt64>.stride
    }

    /// Arms a timer. A deadline at or before `now` is already due: it fires at the next
    /// `advance`. Deadlines are capped at `Int64.max - 1`.
    @inlinable @discardableResult
    public mutating func schedule(_ payload: Payload, at deadline: Int64) -> TimerHandle {
        let capped = min(deadline, Int64.max - 1)
        let index: Int32
        if freeHead >= 0 {
            index = freeHead
            freeHead = nodes[Int(index)].next
            nodes[Int(index)].deadline = capped
            nodes[Int(index)].payload = payload
        } else {
            precondition(nodes.count < Int(Int32.max), "TimingWheel holds at most Int32.max timers")
            index = Int32(truncatingIfNeeded: nodes.count)
            nodes.append(Node(deadline: capped, payload: payload))
        }
        place(index)
        pending += 1
        return TimerHandle(index: index, generation: nodes[Int(index)].generation)
    }

    /// Disarms a timer and returns its payload; nil (and no effect) when the handle is stale
    /// because its timer already fired or was cancelled.
    @inlinable @discardableResult
    public mutating func cancel(_ handle: TimerHandle) -> Payload? {
        guard isArmed(handle) else { return nil }
        let payload = nodes[Int(handle.index)].payload
        unlink(handle.index)
        release(handle.index)
        return payload
    }

    /// Moves an armed timer to a new deadline, keeping its handle; false when the handle is
    /// stale. Among timers with equal deadlines it now counts as the most recently scheduled.
    @inlinable @discardableResult
    public mutating func reschedule(_ handle: TimerHandle, at deadline: Int64) -> Bool {
        guard isArmed(handle) else { return false }
        unlink(handle.index)
        nodes[Int(handle.index)].deadline = min(deadline, Int64.max - 1)
        place(handle.index)
        return true
    }

    /// The deadline of an armed timer, or nil for a stale handle.
    @inlinable public func deadline(of handle: TimerHandle) -> Int64? {
        isArmed(handle) ? nodes[Int(handle.index)].deadline : nil
    }

    /// Fires every timer whose deadline is at or before `time`, appending them to `expired` in
    /// deadline order (ties in scheduling order), and moves the clock to `time`. The clock
    /// never goes back: an earlier `time` acts as `now`.
    @inlinable
    public mutating func advance(to time: Int64, into expired: inout [Expired]) {
        let target = max(min(time, Int64.max - 1), cursor - 1)
        if heads[Int(Self.overdueBucket)] >= 0 { fireOverdue(into: &expired) }
        while true {
            if let level = lowestOccupiedLevel() {
                let slot = occupied[level].trailingZeroBitCount
                let start = slotStart(level: level, slot: slot)
                if level == 0 {
                    guard start <= target else { break }
                    fire(bucket: Int32(slot), into: &expired)
                    cursor = start + 1
                } else {
                    // A slot that starts right after `target` is cascaded now, so that timers
                    // scheduled later for the same milliseconds queue behind its timers.
                    guard start <= target + 1 else { break }
                    cursor = start
                    cascade(bucket: Int32(level * 64 + slot))
                }
            } else if let start = overflowWindowStart(), start <= target + 1 {
                cursor = start
                cascade(bucket: Self.overflowBucket)
            } else {
                break
            }
        }
        cursor = target + 1
    }

    /// The earliest time at which `advance` has something to do: the wheel's `now` when timers
    /// are overdue, else the earliest deadline or the start of the slot that holds it (a
    /// cascade), never later than the earliest deadline. nil when no timer is armed.
    @inlinable public func nextExpiry() -> Int64? {
        if heads[Int(Self.overdueBucket)] >= 0 { return cursor - 1 }
        if let level = lowestOccupiedLevel() {
            return slotStart(level: level, slot: occupied[level].trailingZeroBitCount)
        }
        return overflowWindowStart()
    }

    @inlinable func isArmed(_ handle: TimerHandle) -> Bool {
        handle.index >= 0 && Int(handle.index) < nodes.count
            && nodes[Int(handle.index)].generation == handle.generation && nodes[Int(handle.index)].bucket >= 0
    }

    @inlinable func lowestOccupiedLevel() -> Int? {
        for level in 0..<Self.levels where occupied[level] != 0 { return level }
        return nil
    }

    /// The first millisecond of a slot in the cursor's window of that level.
    @inlinable func slotStart(level: Int, slot: Int) -> Int64 {
        let shift = Int64(6 * level)
        return (cursor >> (shift + 6)) << (shift + 6) | Int64(slot) << shift
    }

    /// Where the earliest overflow timer's 2^42 ms window starts, or nil without overflow.
    /// Overflow only holds deadlines more than 139 years ahead, so the O(n) scan is rare.
    @usableFromInline func overflowWindowStart() -> Int64? {
        var index = heads[Int(Self.overflowBucket)]
        guard index >= 0 else { return nil }
        var earliest = Int64.max
        while index >= 0 {
            earliest = min(earliest, nodes[Int(index)].deadline)
            index = nodes[Int(index)].next
        }
        return (earliest >> 42) << 42
    }

    /// Puts a timer into the bucket its deadline belongs to, relative to the cursor.
    @inlinable mutating func place(_ index: Int32) {
        let deadline = nodes[Int(index)].deadline
        guard deadline >= cursor else { return append(index, to: Self.overdueBucket) }
        let difference = UInt64(bitPattern: deadline ^ cursor)
        let level = difference < 64 ? 0 : (63 - difference.leadingZeroBitCount) / 6
        guard level < Self.levels else { return append(index, to: Self.overflowBucket) }
        let slot = Int(truncatingIfNeeded: deadline >> Int64(6 * level)) & 63
        append(index, to: Int32(level * 64 + slot))
        occupied[level] |= 1 << UInt64(slot)
    }

    @inlinable mutating func append(_ index: Int32, to bucket: Int32) {
        let tail = tails[Int(bucket)]
        nodes[Int(index)].bucket = bucket
        nodes[Int(index)].next = -1
        nodes[Int(index)].prev = tail
        if tail >= 0 { nodes[Int(tail)].next = index } else { heads[Int(bucket)] = index }
        tails[Int(bucket)] = index
    }

    @inlinable mutating func unlink(_ index: Int32) {
        let node = nodes[Int(index)]
        let bucket = Int(node.bucket)
        if node.prev >= 0 { nodes[Int(node.prev)].next = node.next } else { heads[bucket] = node.next }
        if node.next >= 0 { nodes[Int(node.next)].prev = node.prev } else { tails[bucket] = node.prev }
        if heads[bucket] < 0, bucket < Self.levels * 64 {
            occupied[bucket >> 6] &= ~(1 << UInt64(bucket & 63))
        }
    }

    /// Returns an entry to the free list; its new generation makes old handles stale.
    @inlinable mutating func release(_ index: Int32) {
        nodes[Int(index)].bucket = -1
        nodes[Int(index)].generation &+= 1
        nodes[Int(index)].next = freeHead
        freeHead = index
        pending -= 1
    }

    /// Empties a bucket and returns its first entry, for walking the detached list.
    @inlinable mutating func detach(bucket: Int32) -> Int32 {
        let head = heads[Int(bucket)]
        heads[Int(bucket)] = -1
        tails[Int(bucket)] = -1
        if bucket < Int32(Self.levels * 64) {
            occupied[Int(bucket >> 6)] &= ~(1 << UInt64(bucket & 63))
        }
        return head
    }

    @inlinable mutating func fire(bucket: Int32, into expired: inout [Expired]) {
        var index = detach(bucket: bucket)
        while index >= 0 {
            let node = nodes[Int(index)]
            expired.append(Expired(
                handle: TimerHandle(index: index, generation: node.generation),
                deadline: node.deadline, payload: node.payload))
            release(index)
            index = node.next
        }
    }

    @inlinable mutating func cascade(bucket: Int32) {
        var index = detach(bucket: bucket)
        while index >= 0 {
            let next = nodes[Int(index)].next
            place(index)
            index = next
        }
    }

    /// Fires the overdue list sorted by deadline; the list is in scheduling order, which breaks
    /// ties. Overdue timers are rare (a late re-arm), so sorting them here costs little.
    @usableFromInline mutating func fireOverdue(into expired: inout [Expired]) {
        var due: [(deadline: Int64, order: Int, index: Int32)] = []
        var index = detach(bucket: Self.overdueBucket)
        while index >= 0 {
            due.append((nodes[Int(index)].deadline, due.count, index))
            index = nodes[Int(index)].next
        }
        due.sort { ($0.deadline, $0.order) < ($1.deadline, $1.order) }
        for entry in due {
            let node = nodes[Int(entry.index)]
            expired.append(Expired(
                handle: TimerHandle(index: entry.index, generation: node.generation),
                deadline: node.deadline, payload: node.payload))
            release(entry.index)
        }
    }
}
