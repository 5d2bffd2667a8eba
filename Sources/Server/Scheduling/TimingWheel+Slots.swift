// TimingWheel+Slots: the wheel's internals — finding the earliest non-empty slot, placing a
// timer in its level and slot, cascading a coarser slot down, and the pool's free list. The
// algorithm is explained once, with a worked example, on TimingWheel itself.

extension TimingWheel {
    @inlinable @inline(__always) func earliestSlot() -> (level: Int, slot: Int)? {
        for level in 0..<Self.levels where summary[level] != 0 {
            let word = summary[level].trailingZeroBitCount
            return (level, word << 6 | occupied[level << 6 | word].trailingZeroBitCount)
        }
        return nil
    }

    /// The first millisecond of a slot in the cursor's window of that level.
    @inlinable @inline(__always) func slotStart(level: Int, slot: Int) -> Int64 {
        let shift = Int64(Self.slotBits * level)
        let window = shift + Int64(Self.slotBits)
        return (cursor >> window) << window | Int64(slot) << shift
    }

    /// Where the earliest overflow timer's 2^48 ms window starts, or nil without overflow.
    /// Overflow only holds deadlines thousands of years ahead, so the O(n) scan is rare.
    @usableFromInline func overflowWindowStart() -> Int64? {
        var index = heads[Int(Self.overflowBucket)]
        guard index >= 0 else { return nil }
        var earliest = Int64.max
        while index >= 0 {
            earliest = min(earliest, nodes[Int(index)].deadline)
            index = nodes[Int(index)].next
        }
        return (earliest >> 48) << 48
    }

    /// Puts a timer into the bucket its deadline belongs to, relative to the cursor.
    @inlinable @inline(__always) mutating func place(_ index: Int32) {
        let deadline = nodes[Int(index)].deadline
        guard deadline >= cursor else { return append(index, to: Self.overdueBucket) }
        let difference = UInt64(bitPattern: deadline ^ cursor)
        let level = difference < UInt64(Self.slots) ? 0 : (63 - difference.leadingZeroBitCount) / Self.slotBits
        guard level < Self.levels else { return append(index, to: Self.overflowBucket) }
        let shift = Int64(Self.slotBits * level)
        let slot = Int(truncatingIfNeeded: deadline >> shift) & (Self.slots - 1)
        var bucket = slot
        if level > 0 {
            // A hash of the deadline: equal deadlines share a chain, and deadlines on round
            // seconds or minutes still spread over all chains.
            let chain = Int(truncatingIfNeeded: (UInt64(bitPattern: deadline) &* 0x9E37_79B9_7F4A_7C15) >> 61)
            bucket = Self.firstChain(level: level, slot: slot) + chain
        }
        append(index, to: Int32(bucket))
        occupied[level << 6 | slot >> 6] |= 1 << UInt64(slot & 63)
        summary[level] |= 1 << UInt64(slot >> 6)
    }

    /// The bucket of a level 1-3 slot's first chain.
    @inlinable static func firstChain(level: Int, slot: Int) -> Int {
        slots + (level - 1) << (slotBits + chainBits) + slot << chainBits
    }

    @inlinable @inline(__always) mutating func append(_ index: Int32, to bucket: Int32) {
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
        guard heads[bucket] < 0, bucket < Int(Self.overflowBucket) else { return }
        if bucket < Self.slots { return markEmpty(level: 0, slot: bucket) }
        let chains = 1 << Self.chainBits
        let first = bucket & ~(chains - 1)
        for chain in first..<first + chains where heads[chain] >= 0 { return }
        let relative = bucket - Self.slots
        markEmpty(level: 1 + relative >> (Self.slotBits + Self.chainBits), slot: relative >> Self.chainBits & (Self.slots - 1))
    }

    /// Clears a wheel slot's occupancy bits.
    @inlinable @inline(__always) mutating func markEmpty(level: Int, slot: Int) {
        let word = level << 6 | slot >> 6
        occupied[word] &= ~(1 << UInt64(slot & 63))
        if occupied[word] == 0 { summary[level] &= ~(1 << UInt64(slot >> 6)) }
    }

    /// Returns an entry to the free list; its new generation makes old handles stale.
    @inlinable @inline(__always) mutating func release(_ index: Int32) {
        nodes[Int(index)].bucket = -1
        nodes[Int(index)].generation &+= 1
        nodes[Int(index)].next = freeHead
        freeHead = index
        pending -= 1
    }

    /// Empties a list and returns its first entry, for walking the detached list.
    @inlinable @inline(__always) mutating func detach(bucket: Int32) -> Int32 {
        let head = heads[Int(bucket)]
        heads[Int(bucket)] = -1
        tails[Int(bucket)] = -1
        return head
    }

    @inlinable mutating func fire(bucket: Int32, into expired: inout [Expired]) {
        var index = detach(bucket: bucket)
        markEmpty(level: 0, slot: Int(bucket))
        while index >= 0 {
            let node = nodes[Int(index)]
            expired.append(Expired(
                handle: TimerHandle(index: index, generation: node.generation),
                deadline: node.deadline, payload: node.payload))
            release(index)
            index = node.next
        }
    }

    /// Places a slot's timers again, relative to the cursor at the slot's start.
    ///
    /// Walking one list whose entries lie all over the pool is bound by memory latency: each
    /// step waits for the load that names the next entry. So a slot's timers are kept in
    /// 8 chains that are walked side by side: each round first loads the current entry of
    /// every chain (independent loads, in flight together), then places them. Timers with
    /// equal deadlines share a chain, so they keep their scheduling order.
    @inlinable mutating func cascade(level: Int, slot: Int) {
        let first = Self.firstChain(level: level, slot: slot)
        var current = InlineArray<8, Int32>(repeating: -1)
        var following = InlineArray<8, Int32>(repeating: -1)
        for chain in 0..<8 {
            current[chain] = detach(bucket: Int32(first + chain))
        }
        markEmpty(level: level, slot: slot)
        var walking = true
        while walking {
            walking = false
            for chain in 0..<8 where current[chain] >= 0 {
                following[chain] = nodes[Int(current[chain])].next
            }
            for chain in 0..<8 where current[chain] >= 0 {
                place(current[chain])
                current[chain] = following[chain]
                walking = true
            }
        }
    }

    /// Doubles the pool; entries are plain bits, so moving them is a copy.
    @usableFromInline mutating func growPool() {
        precondition(poolCapacity < Int(Int32.max), "TimingWheel holds at most Int32.max timers")
        let capacity = min(poolCapacity * 2, Int(Int32.max))
        let grown = UnsafeMutablePointer<Node>.allocate(capacity: capacity)
        grown.moveInitialize(from: nodes, count: poolUsed)
        nodes.deallocate()
        nodes = grown
        poolCapacity = capacity
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
