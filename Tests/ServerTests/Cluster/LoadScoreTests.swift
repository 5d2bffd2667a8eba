// The load score's shape: a dead band where pressure is exactly 1, linear growth to 4× per
// resource past the knees, multiplication of the two, clamping, and scores that rank a busy or
// memory-starved host above an idle one for the same weight.

@testable import Server
import XCTest

final class LoadScoreTests: XCTestCase {
    func testPressureIsExactlyOneInTheDeadBand() {
        for cpu in [0, 0.1, 0.5, 0.74, 0.75] {
            for memory in [1, 0.6, 0.21, 0.20] {
                XCTAssertEqual(LoadScore.pressure(hostCPU: cpu, memAvailableFraction: memory), 1.0,
                               "cpu \(cpu), memory \(memory)")
            }
        }
    }

    func testPressureGrowsLinearlyToFourPerResource() {
        XCTAssertEqual(LoadScore.pressure(hostCPU: 1, memAvailableFraction: 1), 4, accuracy: 1e-12)
        XCTAssertEqual(LoadScore.pressure(hostCPU: 0.875, memAvailableFraction: 1), 2.5, accuracy: 1e-12)
        XCTAssertEqual(LoadScore.pressure(hostCPU: 0, memAvailableFraction: 0), 4, accuracy: 1e-12)
        XCTAssertEqual(LoadScore.pressure(hostCPU: 0, memAvailableFraction: 0.1), 2.5, accuracy: 1e-12)
        XCTAssertEqual(LoadScore.pressure(hostCPU: 1, memAvailableFraction: 0), 16, accuracy: 1e-12, "factors multiply")
        XCTAssertEqual(LoadScore.pressure(hostCPU: 0.875, memAvailableFraction: 0.1), 6.25, accuracy: 1e-12)
    }

    func testInputsAreClamped() {
        XCTAssertEqual(LoadScore.pressure(hostCPU: 7, memAvailableFraction: -3), 16, accuracy: 1e-12)
        XCTAssertEqual(LoadScore.pressure(hostCPU: -1, memAvailableFraction: 2), 1)
        XCTAssertEqual(LoadScore.pressure(hostCPU: .nan, memAvailableFraction: .nan), 1, "unknown figures add nothing")
    }

    func testPressureIsMonotonic() {
        var previous = 0.0
        for step in 0...100 {
            let pressure = LoadScore.pressure(hostCPU: Double(step) / 100, memAvailableFraction: 0.5)
            XCTAssertGreaterThanOrEqual(pressure, previous)
            previous = pressure
        }
        previous = 0
        for step in (0...100).reversed() {
            let pressure = LoadScore.pressure(hostCPU: 0.3, memAvailableFraction: Double(step) / 100)
            XCTAssertGreaterThanOrEqual(pressure, previous)
            previous = pressure
        }
    }

    func testBusyOrStarvedHostsScoreHigherForTheSameWeight() {
        let idle = LoadScore.score(weight: 0.5, pressure: LoadScore.pressure(hostCPU: 0.2, memAvailableFraction: 0.7))
        let busy = LoadScore.score(weight: 0.5, pressure: LoadScore.pressure(hostCPU: 0.95, memAvailableFraction: 0.7))
        let starved = LoadScore.score(weight: 0.5, pressure: LoadScore.pressure(hostCPU: 0.2, memAvailableFraction: 0.05))
        XCTAssertGreaterThan(busy, idle)
        XCTAssertGreaterThan(starved, idle)
        XCTAssertEqual(idle, 0.501, accuracy: 1e-12)
    }

    func testScoreFloorSeparatesEmptyNodesByPressure() {
        XCTAssertEqual(LoadScore.score(weight: 0, pressure: 1), 0.001, accuracy: 1e-15)
        XCTAssertEqual(LoadScore.score(weight: 0, pressure: 4), 0.004, accuracy: 1e-15)
        XCTAssertEqual(LoadScore.score(weight: -5, pressure: 1), 0.001, accuracy: 1e-15, "negative weight counts as 0")
        XCTAssertLessThan(LoadScore.score(weight: 1, pressure: 1), LoadScore.score(weight: 2, pressure: 1))
    }
}
