// bench-wheel measures the timing wheel against a binary-heap timer queue (swift-collections'
// Heap) in the same run, on the same deadlines: 1,000,000 timers uniform over one hour,
// scheduled and then fired the way the reactor drives the wheel (sleep until nextExpiry, then
// advance); and a cancel-heavy run where 90 % are cancelled before they fire. The heap cancels
// by lazy deletion (a flag per timer, skipped when popped), the usual O(1) scheme for heaps.
// Wheel and heap runs alternate, several times, and each side's fastest run counts: the machine
// is shared, and alternating exposes both sides to the same conditions.
// Usage: swift build -c release --product bench-wheel && .build/release/bench-wheel

import Collections
import Server

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let timerCount = 1_000_000
let horizon: Int64 = 3_600_000
let cancelledShare = 0.9
let repetitions = 5
let seed: UInt64 = 0x5EED_0F_7135

/// SplitMix64 is a seeded generator, so every run uses the same deadlines.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// HeapTimer orders the heap by deadline, then by scheduling order, as the wheel fires.
struct HeapTimer: Comparable {
    let deadline: Int64
    let id: Int32

    static func < (lhs: HeapTimer, rhs: HeapTimer) -> Bool {
        (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
    }
}

/// Timings of one run, in nanoseconds, and what it fired (to compare wheel and heap).
struct Run {
    var schedule: Double = 0
    var cancel: Double = 0
    var fire: Double = 0
    var fired = 0
    var checksum: UInt64 = 0
    var bytesPerPending: Double = 0
    var total: Double { schedule + cancel + fire }
}

func nanoseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1e9 + Double(now.tv_nsec)
}

/// Folds a fired timer into an order-sensitive checksum.
@inline(__always) func mix(_ checksum: UInt64, _ id: Int32, _ deadline: Int64) -> UInt64 {
    (checksum &* 31) &+ UInt64(UInt32(bitPattern: id)) &+ UInt64(bitPattern: deadline) << 20
}

func runWheel(deadlines: [Int64], cancelling victims: [Int]) -> Run {
    var run = Run()
    var wheel = TimingWheel<Int32>(now: 0, capacity: deadlines.count)
    var handles: [TimerHandle] = []
    handles.reserveCapacity(deadlines.count)
    var start = nanoseconds()
    for (id, deadline) in deadlines.enumerated() {
        handles.append(wheel.schedule(Int32(id), at: deadline))
    }
    run.schedule = nanoseconds() - start
    run.bytesPerPending = Double(wheel.memoryFootprint) / Double(wheel.count)
    start = nanoseconds()
    for victim in victims {
        wheel.cancel(handles[victim])
    }
    run.cancel = nanoseconds() - start
    var expired: [TimingWheel<Int32>.Expired] = []
    expired.reserveCapacity(4096)
    start = nanoseconds()
    while let expiry = wheel.nextExpiry() {
        wheel.advance(to: expiry, into: &expired)
        for timer in expired {
            run.checksum = mix(run.checksum, timer.payload, timer.deadline)
        }
        run.fired += expired.count
        expired.removeAll(keepingCapacity: true)
    }
    run.fire = nanoseconds() - start
    return run
}

func runHeap(deadlines: [Int64], cancelling victims: [Int]) -> Run {
    var run = Run()
    var heap = Heap<HeapTimer>(minimumCapacity: deadlines.count)
    var cancelled = [Bool](repeating: false, count: deadlines.count)
    var start = nanoseconds()
    for (id, deadline) in deadlines.enumerated() {
        heap.insert(HeapTimer(deadline: deadline, id: Int32(id)))
    }
    run.schedule = nanoseconds() - start
    start = nanoseconds()
    for victim in victims {
        cancelled[victim] = true
    }
    run.cancel = nanoseconds() - start
    start = nanoseconds()
    // The reactor's loop: sleep until the earliest deadline, then pop everything due.
    while let earliest = heap.min {
        let now = earliest.deadline
        while let timer = heap.min, timer.deadline <= now {
            heap.removeMin()
            if !cancelled[Int(timer.id)] {
                run.checksum = mix(run.checksum, timer.id, timer.deadline)
                run.fired += 1
            }
        }
    }
    run.fire = nanoseconds() - start
    return run
}

/// The fastest wheel run and the fastest heap run of a few alternating repetitions; every run
/// must fire the same timers in the same order.
func bestAlternating(wheel: () -> Run, heap: () -> Run) -> (wheel: Run, heap: Run) {
    var fastestWheel = wheel()
    var fastestHeap = heap()
    precondition(fastestWheel.checksum == fastestHeap.checksum && fastestWheel.fired == fastestHeap.fired,
                 "wheel and heap disagree")
    for _ in 1..<repetitions {
        let wheelRun = wheel()
        let heapRun = heap()
        precondition(wheelRun.checksum == fastestWheel.checksum && heapRun.checksum == fastestWheel.checksum,
                     "runs disagree")
        if wheelRun.total < fastestWheel.total { fastestWheel = wheelRun }
        if heapRun.total < fastestHeap.total { fastestHeap = heapRun }
    }
    return (fastestWheel, fastestHeap)
}

/// A number with fixed decimals, right-aligned to `width` (no Foundation needed).
func fixed(_ value: Double, _ decimals: Int, width: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let digits = String(scaled / Int(scale))
        + (decimals > 0 ? "." + String(String(scaled % Int(scale) + Int(scale)).dropFirst()) : "")
    return String(repeating: " ", count: max(0, width - digits.count)) + digits
}

func report(_ label: String, _ run: Run, timers: Int, cancels: Int) {
    func perOp(_ ns: Double, _ count: Int) -> String {
        count == 0 ? "     -" : fixed(ns / Double(count), 1, width: 6)
    }
    print("\(label)  schedule \(perOp(run.schedule, timers)) ns/op  cancel \(perOp(run.cancel, cancels)) ns/op  "
        + "fire \(perOp(run.fire, timers)) ns/timer  total \(perOp(run.total, timers)) ns/timer  (fired \(run.fired))")
}

var random = SplitMix64(state: seed)
let deadlines = (0..<timerCount).map { _ in Int64.random(in: 1...horizon, using: &random) }
let victims = Array((0..<timerCount).shuffled(using: &random).prefix(Int(Double(timerCount) * cancelledShare)))

print("bench-wheel: \(timerCount) timers, deadlines uniform over \(horizon / 60_000) min, seed \(String(seed, radix: 16)), "
    + "best of \(repetitions); fire = advance via nextExpiry like the reactor")

let plain = bestAlternating(
    wheel: { runWheel(deadlines: deadlines, cancelling: []) },
    heap: { runHeap(deadlines: deadlines, cancelling: []) })
precondition(plain.wheel.fired == timerCount, "timers lost")
report("insert+fire   wheel", plain.wheel, timers: timerCount, cancels: 0)
report("insert+fire   heap ", plain.heap, timers: timerCount, cancels: 0)

let cancelHeavy = bestAlternating(
    wheel: { runWheel(deadlines: deadlines, cancelling: victims) },
    heap: { runHeap(deadlines: deadlines, cancelling: victims) })
precondition(cancelHeavy.wheel.fired == timerCount - victims.count, "timers lost or cancels missed")
report("cancel-heavy  wheel", cancelHeavy.wheel, timers: timerCount, cancels: victims.count)
report("cancel-heavy  heap ", cancelHeavy.heap, timers: timerCount, cancels: victims.count)
print("cancel-heavy ratio heap/wheel = \(fixed(cancelHeavy.heap.total / cancelHeavy.wheel.total, 2))")

/// Bytes per pending timer of a wheel whose pool grew by doubling from its default size.
func grownFootprint() -> Double {
    var wheel = TimingWheel<Int32>(now: 0)
    for (id, deadline) in deadlines.enumerated() { wheel.schedule(Int32(id), at: deadline) }
    return Double(wheel.memoryFootprint) / Double(wheel.count)
}

print("memory: TimingWheel.memoryFootprint (pool capacity x \(TimingWheel<Int32>.nodeSize)-byte node + bucket "
    + "lists + bitmaps) / \(timerCount) pending = \(fixed(plain.wheel.bytesPerPending, 1)) bytes/timer with the pool "
    + "sized for them, \(fixed(grownFootprint(), 1)) grown by doubling")
print("ratio heap/wheel = \(fixed(plain.heap.total / plain.wheel.total, 2))")
