// TimerHandle lets the owner of a timer cancel or re-arm it in O(1). It carries the pool slot
// and that slot's generation, so a handle kept after its timer fired or was cancelled (and the
// slot reused) no longer matches, and cancelling it is a harmless no-op.

/// TimerHandle names one armed timer of a `TimingWheel`.
public struct TimerHandle: Hashable, Sendable {
    @usableFromInline let index: Int32
    @usableFromInline let generation: UInt32

    @inlinable init(index: Int32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }
}
