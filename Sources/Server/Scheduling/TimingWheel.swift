// TimingWheel holds every armed job tick of a node and hands back the due ones in deadline
// order. A node may hold millions of ticks, most far ahead and many cancelled or re-armed
// before they fire, so insert and cancel are O(1) and a timer costs one 32-byte pool entry
// (for a payload of up to 8 bytes), with no allocation per timer.

/// TimingWheel is a hierarchical timing wheel with 1 ms resolution (the Linux kernel's
/// classic cascading wheel, with Kafka's "sleep until the next non-empty bucket").
///
/// **Algorithm.** Time is an `Int64` count of milliseconds. There are 4 levels of 4096 slots;
/// level L slots are 4096^L ms wide: level 0 holds single milliseconds (4.1 s in all), level 1
/// 4.1 s slots (4.7 hours), level 2 4.7 h slots (2.2 years), level 3 2.2 year slots (8925
/// years). `cursor` is the first millisecond not yet processed. A deadline `d` goes to the
/// lowest level L at which `d` and `cursor` agree on every bit above the level's twelve
/// (`L = highestBit(d ^ cursor) / 12`), in slot `(d >> 12L) & 4095`. Such slots never wrap
/// around, so at every level the lowest occupied slot is the earliest, and the lowest occupied
/// level holds the earliest of all. Advancing repeatedly takes that earliest slot: a level 0
/// slot fires (all its timers share one deadline); a higher slot is *cascaded* when the cursor
/// reaches its start: its timers are placed again and land on lower levels. Deadlines beyond
/// level 3 wait in an overflow list; those already due wait in an overdue list. Two-level
/// occupancy bitmaps (a summary word over 64 words per level) find the next slot without
/// touching empty ones, so `nextExpiry()` is O(levels) and a reactor can sleep until then.
/// A slot above level 0 holds 8 lists (chains) rather than one, so that a cascade can walk
/// them side by side and wait for memory once per 8 timers (see `cascade`).
///
/// **Worked example.** `init(now: 0)` sets cursor 1. Timer A at 5 ms: `5 ^ 1 = 4` fits in 12
/// bits: level 0, slot 5. Timer B at 10,000 ms: highest bit of `10000 ^ 1` is 13: level 1,
/// slot `10000 >> 12 = 2` (ms 8192-12287). Timer C at 3,000,000,000 ms (34.7 days): highest
/// bit 31: level 2, slot `3e9 >> 24 = 178` (from ms 2,986,344,448). `advance(to: 9000)` fires
/// A (level 0 is the lowest occupied), then reaches level 1 slot 2 at 8192: cascading places B
/// again relative to cursor 8192 (`10000 ^ 8192 = 1808`), into level 0 slot 1808. That slot
/// is after 9000, so the cursor stops at 9001 and `nextExpiry()` is 10000, where B fires. Then
/// `nextExpiry()` is 2,986,344,448: there C cascades to level 1 slot 3333 (from ms
/// 2,999,996,416), there to level 0 slot 3584, and fires at 3,000,000,000.
///
/// **Invariants** (tested): a timer never fires early, only from an `advance(to:)` whose time
/// is at or after its deadline; each due timer fires exactly once, in deadline order, ties in
/// the order they were scheduled (a re-armed timer counts as newly scheduled); a timer whose
/// deadline is at or before `now` is already due and fires at the next `advance`.
///
/// **Costs.** `schedule`, `cancel` and `reschedule` are O(1); a timer is moved at most once per
/// level it passes on the way down (once for deadlines up to 4.7 hours ahead, twice up to 2.2
/// years); `nextExpiry()` is O(levels). Timers live in one pool of structs linked by `Int32`
/// indices, with a free list: nothing is allocated per timer once the pool has grown, and the
/// fixed cost is 800 KiB of list heads and tails. Payloads are `BitwiseCopyable` (job ids,
/// indices): no reference counting on the hot path, and freed entries hold no references.
/// The wheel is `~Copyable` so that it can own its memory without copy-on-write checks.
///
/// **Re-entrancy.** `advance(to:into:)` appends the expired timers to a buffer instead of
/// calling back, so the caller can schedule and cancel freely while handling them (Swift's
/// exclusive access would forbid touching the wheel from inside a callback). Timers scheduled
/// then with deadlines at or before `now` fire at the next `advance`.
public struct TimingWheel<Payload: BitwiseCopyable>: ~Copyable {
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

    @inlinable static var levels: Int { 4 }
    @inlinable static var slotBits: Int { 12 }
    @inlinable static var slots: Int { 1 << slotBits }
    /// Each slot above level 0 keeps 8 lists (chains), chosen by a hash of the deadline, so
    /// that cascading can walk them side by side.
    @inlinable static var chainBits: Int { 3 }
    /// Buckets: 4096 level 0 slots; then for levels 1-3, 4096 slots of 8 chains each; then
    /// the overflow list and the overdue list.
    @inlinable static var overflowBucket: Int32 { Int32(slots + (levels - 1) << (slotBits + chainBits)) }
    @inlinable static var overdueBucket: Int32 { overflowBucket + 1 }
    @inlinable static var bucketCount: Int { Int(overdueBucket) + 1 }

    @usableFromInline var nodes: UnsafeMutablePointer<Node>
    @usableFromInline var poolCapacity: Int
    /// Pool entries ever used; entries below this are timers or on the free list.
    @usableFromInline var poolUsed = 0
    @usableFromInline var freeHead: Int32 = -1
    /// First and last pool index of each bucket's list, -1 when empty.
    @usableFromInline let heads: UnsafeMutablePointer<Int32>
    @usableFromInline let tails: UnsafeMutablePointer<Int32>
    /// Bit s of word `L * 64 + w` is set when level L slot `w * 64 + s` is not empty.
    @usableFromInline let occupied: UnsafeMutablePointer<UInt64>
    /// Bit w of `summary[L]` is set when word `L * 64 + w` of `occupied` is not zero.
    @usableFromInline let summary: UnsafeMutablePointer<UInt64>
    /// The first millisecond not yet processed: every deadline before it has fired or is
    /// in the overdue list.
    @usableFromInline var cursor: Int64
    @usableFromInline var pending = 0

    /// An empty wheel whose clock reads `now`; `capacity` pre-sizes the timer pool.
    @inlinable public init(now: Int64, capacity: Int = 64) {
        cursor = min(now, Int64.max - 1) + 1
        poolCapacity = max(capacity, 1)
        nodes = .allocate(capacity: poolCapacity)
        heads = .allocate(capacity: Self.bucketCount)
        heads.initialize(repeating: -1, count: Self.bucketCount)
        tails = .allocate(capacity: Self.bucketCount)
        tails.initialize(repeating: -1, count: Self.bucketCount)
        occupied = .allocate(capacity: Self.levels * 64)
        occupied.initialize(repeating: 0, count: Self.levels * 64)
        summary = .allocate(capacity: Self.levels)
        summary.initialize(repeating: 0, count: Self.levels)
    }

    deinit {
        nodes.deallocate()
        heads.deallocate()
        tails.deallocate()
        occupied.deallocate()
        summary.deallocate()
    }

    /// The number of armed timers.
    @inlinable public var count: Int { pending }

    /// The wheel's clock: the latest time passed to `advance` (or `init`).
    @inlinable public var now: Int64 { cursor - 1 }

    /// Bytes of one pool entry: the whole per-timer cost once the pool has grown.
    public static var nodeSize: Int { MemoryLayout<Node>.stride }

    /// Bytes held by the pool (its whole capacity) and the bucket and bitmap arrays.
    public var memoryFootprint: Int {
        poolCapacity * MemoryLayout<Node>.stride + 2 * Self.bucketCount * MemoryLayout<Int32>.stride
            + Self.levels * 65 * MemoryLayout<UInt64>.stride
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
            if poolUsed == poolCapacity { growPool() }
            index = Int32(truncatingIfNeeded: poolUsed)
            (nodes + poolUsed).initialize(to: Node(deadline: capped, payload: payload))
            poolUsed += 1
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
        unlink(handle.index)
        release(handle.index)
        return nodes[Int(handle.index)].payload
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
            if let (level, slot) = earliestSlot() {
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
                    cascade(level: level, slot: slot)
                }
            } else if let start = overflowWindowStart(), start <= target + 1 {
                cursor = start
                var index = detach(bucket: Self.overflowBucket)
                while index >= 0 {
                    let next = nodes[Int(index)].next
                    place(index)
                    index = next
                }
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
        if let (level, slot) = earliestSlot() { return slotStart(level: level, slot: slot) }
        return overflowWindowStart()
    }

    @inlinable func isArmed(_ handle: TimerHandle) -> Bool {
        handle.index >= 0 && Int(handle.index) < poolUsed
            && nodes[Int(handle.index)].generation == handle.generation && nodes[Int(handle.index)].bucket >= 0
    }

    // The helpers below are `@inline(__always)`: across modules the optimizer kept them as
    // calls, which halved the speed of `advance` in bench-wheel.

    /// The lowest occupied slot of the lowest occupied level: the earliest slot of all.
}
