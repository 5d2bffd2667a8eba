// RestartPolicy: the back-off between a worker's death and its slot's next start.
import XCTest
@testable import Server

final class RestartPolicyTests: XCTestCase {
    func testDeathsInARowDoubleTheDelayFrom100MillisecondsUpTo30Seconds() {
        var policy = RestartPolicy()
        let delays = (0..<12).map { _ in policy.delay(afterLiving: 0.5) }
        XCTAssertEqual(delays, [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30])
        XCTAssertEqual(policy.crashes, 12)
    }

    func testAWorkerThatLivedMoreThan30SecondsStartsTheCountAfresh() {
        var policy = RestartPolicy()
        (0..<6).forEach { _ in _ = policy.delay(afterLiving: 1) }
        XCTAssertEqual(policy.delay(afterLiving: 30.5), 0.1)
        XCTAssertEqual(policy.delay(afterLiving: 2), 0.2)
    }

    func testAWorkerThatLivedExactly30SecondsStillCountsAsACrash() {
        var policy = RestartPolicy()
        _ = policy.delay(afterLiving: 1)
        XCTAssertEqual(policy.delay(afterLiving: 30), 0.2)
    }

    func testAStartThatFailedBeforeAnyProcessCountsAsADeathInARow() {
        var policy = RestartPolicy()
        XCTAssertEqual(policy.delay(afterLiving: nil), 0.1)
        XCTAssertEqual(policy.delay(afterLiving: nil), 0.2)
        XCTAssertEqual(policy.delay(afterLiving: 1), 0.4)
    }

    func testFiveDeathsInARowAreACrashLoop() {
        var policy = RestartPolicy()
        for death in 1...5 {
            XCTAssertFalse(policy.isCrashLoop, "after \(death - 1) deaths")
            _ = policy.delay(afterLiving: 0)
        }
        XCTAssertTrue(policy.isCrashLoop)
        _ = policy.delay(afterLiving: 60)
        XCTAssertFalse(policy.isCrashLoop)
    }
}
