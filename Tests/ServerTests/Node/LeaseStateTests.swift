// LeaseState on an injected clock: acquisition (free, waiting for an earlier process's lease,
// a live process with the same node id), renewal, the fence at half the TTL measured from
// when the last successful renewal was sent, unfencing only on a fresh renewal, and a lease
// taken by another instance.
@testable import Server
import XCTest

final class LeaseStateTests: XCTestCase {
    private let other = LeaseState.Holder(instance: "other", renewedAt: 1_000, expiresIn: 9_000)

    /// A state that acquired its lease with an attempt sent at `at`.
    private func held(ttl: Double = 10, at: Double = 0) -> LeaseState {
        var state = LeaseState(ttl: ttl)
        state.sent(at: at)
        XCTAssertEqual(state.answered(.acquired, sentAt: at, now: at + 0.01), .acquired)
        return state
    }

    func testAFreeLeaseIsAcquiredByTheFirstAttemptAndAllowsFiring() {
        var state = LeaseState(ttl: 10)
        XCTAssertFalse(state.mayFire, "nothing fires before the lease is held")
        XCTAssertTrue(state.shouldSend(now: 0))
        state.sent(at: 0)
        XCTAssertEqual(state.answered(.acquired, sentAt: 0, now: 0.01), .acquired)
        XCTAssertEqual(state.phase, .held)
        XCTAssertTrue(state.mayFire)
    }

    func testAHeldLeaseWhoseHolderNeverRenewsIsWaitedForThenAcquired() {
        var state = LeaseState(ttl: 10)
        state.sent(at: 0)
        XCTAssertEqual(state.answered(.held(other), sentAt: 0, now: 0.01), .waiting(other), "the first sight is logged")
        for second in 1...9 {
            var seen = other
            seen.expiresIn -= Int64(second * 1000)
            state.sent(at: Double(second))
            XCTAssertEqual(state.answered(.held(seen), sentAt: Double(second), now: Double(second)), .none,
                           "an unmoved renewed_at means a dead holder: keep waiting, quietly")
        }
        XCTAssertFalse(state.mayFire)
        state.sent(at: 10)
        XCTAssertEqual(state.answered(.acquired, sentAt: 10, now: 10.01), .acquired, "the expired lease is taken")
    }

    func testAHolderThatRenewsWhileThisProcessWaitsIsALiveProcessWithTheSameNodeID() {
        var state = LeaseState(ttl: 10)
        state.sent(at: 0)
        _ = state.answered(.held(other), sentAt: 0, now: 0)
        var renewed = other
        renewed.renewedAt += 500
        state.sent(at: 0.5)
        XCTAssertEqual(state.answered(.held(renewed), sentAt: 0.5, now: 0.5), .conflict(renewed))
        XCTAssertEqual(state.phase, .lost)
        XCTAssertFalse(state.shouldSend(now: 1), "a lost lease sends nothing more")
        XCTAssertEqual(state.answered(.acquired, sentAt: 1, now: 1), .none, "nor acts on a late answer")
    }

    func testAnotherInstanceTakingTheRowWhileThisProcessWaitsIsAConflictToo() {
        var state = LeaseState(ttl: 10)
        state.sent(at: 0)
        _ = state.answered(.held(other), sentAt: 0, now: 0)
        let third = LeaseState.Holder(instance: "third", renewedAt: other.renewedAt, expiresIn: 10_000)
        state.sent(at: 0.5)
        XCTAssertEqual(state.answered(.held(third), sentAt: 0.5, now: 0.5), .conflict(third))
    }

    func testRenewalsKeepTheLeaseHeldAndNeverFence() {
        var state = held()
        for step in 1...100 {
            let now = Double(step) * 0.5
            XCTAssertEqual(state.check(now: now), .none)
            XCTAssertTrue(state.shouldSend(now: now))
            state.sent(at: now)
            XCTAssertEqual(state.answered(.acquired, sentAt: now, now: now + 0.2), .none)
        }
        XCTAssertEqual(state.phase, .held)
    }

    func testNoRenewalAnsweredForHalfTheTTLFencesOnce() {
        var state = held(ttl: 10, at: 100)
        XCTAssertEqual(state.check(now: 104.99), .none)
        XCTAssertEqual(state.check(now: 105), .fence, "half the TTL after the last success was sent")
        XCTAssertFalse(state.mayFire)
        XCTAssertEqual(state.check(now: 106), .none, "fenced once, not on every check")
    }

    func testTheFenceCountsFromWhenTheLastSuccessWasSentNotWhenItWasAnswered() {
        var state = held(ttl: 10, at: 0)
        state.sent(at: 1)
        // Answered 3 s after it was sent (a slow PostgreSQL): the lease runs from send time.
        XCTAssertEqual(state.answered(.acquired, sentAt: 1, now: 4), .none)
        XCTAssertEqual(state.check(now: 5.99), .none)
        XCTAssertEqual(state.check(now: 6), .fence)
    }

    func testFailedRenewalsDoNotExtendTheLease() {
        var state = held(ttl: 2, at: 0)
        state.sent(at: 0.5)
        state.failed(sentAt: 0.5)
        XCTAssertTrue(state.shouldSend(now: 0.6), "a failed attempt is no longer in flight")
        state.sent(at: 0.6)
        state.failed(sentAt: 0.6)
        XCTAssertEqual(state.check(now: 1), .fence)
    }

    func testAnAttemptInFlightHoldsBackTheNextUntilItHasBeenOutForHalfTheTTL() {
        var state = held(ttl: 10, at: 0)
        state.sent(at: 1)
        XCTAssertFalse(state.shouldSend(now: 1.5), "one attempt at a time")
        XCTAssertFalse(state.shouldSend(now: 5.99))
        XCTAssertTrue(state.shouldSend(now: 6), "an attempt stuck behind a dead connection does not block renewals forever")
    }

    func testAFreshRenewalAfterAFenceUnfences() {
        var state = held(ttl: 10, at: 0)
        XCTAssertEqual(state.check(now: 5), .fence)
        state.sent(at: 7)
        XCTAssertEqual(state.answered(.acquired, sentAt: 7, now: 7.1), .unfence)
        XCTAssertTrue(state.mayFire)
        XCTAssertEqual(state.check(now: 11.9), .none, "the new success counts from its own send time")
        XCTAssertEqual(state.check(now: 12), .fence)
    }

    func testAStaleRenewalAnsweredAfterAFenceDoesNotUnfence() {
        var state = held(ttl: 10, at: 0)
        state.sent(at: 0.5)
        XCTAssertEqual(state.check(now: 5), .fence, "the attempt sent at 0.5 is still out: the last success was sent at 0")
        XCTAssertEqual(state.answered(.acquired, sentAt: 0.5, now: 6), .none,
                       "a renewal sent 5.5 s ago would be fenced again at once: it does not unfence")
        XCTAssertFalse(state.mayFire)
    }

    func testALateAnswerToAnOlderAttemptDoesNotMoveTheLastSuccessBack() {
        var state = held(ttl: 10, at: 0)
        state.sent(at: 3)
        _ = state.answered(.acquired, sentAt: 3, now: 3.1)
        _ = state.answered(.acquired, sentAt: 2, now: 3.2)
        XCTAssertEqual(state.lastSuccessSentAt, 3)
        XCTAssertEqual(state.check(now: 7.9), .none)
    }

    func testARenewalThatFindsAnotherInstanceHoldingTheRowMeansTheLeaseWasTaken() {
        var state = held()
        state.sent(at: 0.5)
        XCTAssertEqual(state.answered(.held(other), sentAt: 0.5, now: 0.6), .taken(other))
        XCTAssertEqual(state.phase, .lost)
        XCTAssertFalse(state.mayFire)
        XCTAssertEqual(state.check(now: 100), .none, "a lost lease is not fenced on top")
    }

    func testAFencedLeaseTakenByAnotherInstanceIsLost() {
        var state = held(ttl: 2, at: 0)
        XCTAssertEqual(state.check(now: 1), .fence)
        state.sent(at: 3)
        XCTAssertEqual(state.answered(.held(other), sentAt: 3, now: 3), .taken(other))
    }
}
