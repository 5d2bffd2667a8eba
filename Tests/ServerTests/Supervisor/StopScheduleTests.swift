// StopSchedule: which stage of the supervisor's staged stop is due when, and the defaults
// Supervisor.Configuration derives from the scripts' grace period.
import XCTest
@testable import Server

final class StopScheduleTests: XCTestCase {
    func testAsksThenTerminatesThenKillsWithDoublingDelaysThenGivesUp() {
        let schedule = StopSchedule(terminateDelay: 1, killDelay: 2)
        let stages = [0, 0.999, 1, 2.999, 3, 6.999, 7, 3600].map { schedule.stage(at: $0) }
        XCTAssertEqual(stages, [.ask, .ask, .terminate, .terminate, .kill, .kill, .abandon, .abandon])
        XCTAssertEqual(StopSchedule.Stage.allCases.map(schedule.start(of:)), [0, 1, 3, 7])
    }

    func testStagesFollowOneAnotherAndEndWithAbandon() {
        XCTAssertEqual(StopSchedule.Stage.ask.next, .terminate)
        XCTAssertEqual(StopSchedule.Stage.terminate.next, .kill)
        XCTAssertEqual(StopSchedule.Stage.kill.next, .abandon)
        XCTAssertNil(StopSchedule.Stage.abandon.next)
    }

    func testZeroDelaysMakeEveryStageDueAtOnceAndNegativeOnesAreZero() {
        XCTAssertEqual(StopSchedule(terminateDelay: 0, killDelay: 0).stage(at: 0), .abandon)
        XCTAssertEqual(StopSchedule(terminateDelay: -1, killDelay: -5), StopSchedule(terminateDelay: 0, killDelay: 0))
    }

    func testTheDefaultDelaysFollowTheGracePeriodWithinBounds() {
        func schedule(grace: Double) -> StopSchedule {
            var configuration = Supervisor.Configuration(workers: 1)
            configuration.graceSeconds = grace
            return configuration.stopSchedule
        }
        XCTAssertEqual(schedule(grace: 2), StopSchedule(terminateDelay: 0.4, killDelay: 0.8))
        XCTAssertEqual(schedule(grace: 0), StopSchedule(terminateDelay: 0.1, killDelay: 0.2))
        XCTAssertEqual(schedule(grace: 300), StopSchedule(terminateDelay: 1, killDelay: 2))
    }

    func testConfiguredDelaysOverrideTheDefaults() {
        var configuration = Supervisor.Configuration(workers: 1)
        configuration.stopTerminateDelay = 3
        XCTAssertEqual(configuration.stopSchedule, StopSchedule(terminateDelay: 3, killDelay: 6))
        configuration.stopKillDelay = 0.5
        XCTAssertEqual(configuration.stopSchedule, StopSchedule(terminateDelay: 3, killDelay: 0.5))
    }
}
