// Property test of the timing wheel against a sorted reference: random schedules (0 ms to
// millennia ahead, already due, equal deadlines), cancels, re-arms, and advances by small
// steps, reactor-style jumps to nextExpiry and late wake-ups of years. After every advance the
// wheel must have fired exactly the reference's due timers, in (deadline, scheduling order).

@testable import Server
import XCTest

final class TimingWheelPropertyTests: XCTestCase {
    private struct Armed {
        var handle: TimerHandle
        var deadline: Int64
        var order: Int
    }

    func testFiresLikeASortedReferenceNeverEarlyNothingLost() {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            var now = Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random)
            var wheel = TimingWheel<Int>(now: now)
            var reference: [Int: Armed] = [:]
            var staleHandles: [TimerHandle] = []
            var nextPayload = 0
            var order = 0
            var expired: [TimingWheel<Int>.Expired] = []

            func check(advancingTo time: Int64) {
                expired.removeAll(keepingCapacity: true)
                wheel.advance(to: time, into: &expired)
                now = max(now, time)
                let due = reference.filter { $0.value.deadline <= now }
                    .sorted { ($0.value.deadline, $0.value.order) < ($1.value.deadline, $1.value.order) }
                XCTAssertEqual(expired.map(\.payload), due.map(\.key), "seed \(seed): fired set and order")
                XCTAssertTrue(expired.allSatisfy { $0.deadline <= now }, "seed \(seed): fired early")
                for timer in expired {
                    reference[timer.payload] = nil
                    staleHandles.append(timer.handle)
                }
            }

            for _ in 0..<2500 {
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<40:
                    let deadline = randomDeadline(now: now, existing: reference, using: &random)
                    let handle = wheel.schedule(nextPayload, at: deadline)
                    reference[nextPayload] = Armed(handle: handle, deadline: deadline, order: order)
                    nextPayload += 1
                    order += 1
                case 40..<52:
                    if let (payload, armed) = reference.randomElement(using: &random) {
                        XCTAssertEqual(wheel.cancel(armed.handle), payload)
                        reference[payload] = nil
                        staleHandles.append(armed.handle)
                    }
                case 52..<57:
                    if let stale = staleHandles.randomElement(using: &random) {
                        XCTAssertNil(wheel.cancel(stale), "seed \(seed): stale cancel")
                        XCTAssertFalse(wheel.reschedule(stale, at: now), "seed \(seed): stale re-arm")
                    }
                case 57..<67:
                    if let (payload, armed) = reference.randomElement(using: &random) {
                        let deadline = randomDeadline(now: now, existing: reference, using: &random)
                        XCTAssertTrue(wheel.reschedule(armed.handle, at: deadline))
                        reference[payload] = Armed(handle: armed.handle, deadline: deadline, order: order)
                        order += 1
                    }
                default:
                    let earliest = reference.values.map(\.deadline).min()
                    let expiry = wheel.nextExpiry()
                    XCTAssertEqual(expiry == nil, earliest == nil, "seed \(seed): nil only when idle")
                    if let expiry, let earliest {
                        XCTAssertLessThanOrEqual(expiry, max(earliest, now), "seed \(seed): expiry after a deadline")
                        if expiry > now + 1 {
                            check(advancingTo: expiry - 1)
                            XCTAssertTrue(expired.isEmpty, "seed \(seed): work before nextExpiry")
                        }
                    }
                    check(advancingTo: randomAdvance(now: now, expiry: expiry, using: &random))
                }
                XCTAssertEqual(wheel.count, reference.count)
            }
            check(advancingTo: Int64.max)
            XCTAssertTrue(reference.isEmpty, "seed \(seed): timers lost")
            XCTAssertNil(wheel.nextExpiry())
        }
    }

    private func randomDeadline(now: Int64, existing: [Int: Armed], using random: inout SplitMix64) -> Int64 {
        let year: Int64 = 365 * 86_400_000
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<10: return now - Int64.random(in: 0...5000, using: &random)
        case 10..<20: return existing.randomElement(using: &random)?.value.deadline ?? now
        case 20..<45: return now + Int64.random(in: 0...64, using: &random)
        case 45..<65: return now + Int64.random(in: 0...5000, using: &random)
        case 65..<85: return now + Int64.random(in: 0...3_600_000, using: &random)
        case 85..<97: return now + Int64.random(in: 0...5 * year, using: &random)
        default: return now + Int64.random(in: 8000 * year...20_000 * year, using: &random)
        }
    }

    private func randomAdvance(now: Int64, expiry: Int64?, using random: inout SplitMix64) -> Int64 {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<30: return expiry ?? now + 1
        case 30..<60: return now + Int64.random(in: 0...100, using: &random)
        case 60..<85: return now + Int64.random(in: 0...600_000, using: &random)
        case 85..<95: return now + Int64.random(in: 0...10 * 365 * 86_400_000, using: &random)
        default: return now - Int64.random(in: 0...1000, using: &random)
        }
    }
}
