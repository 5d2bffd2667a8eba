// RetentionPass: where the pruner's next statement starts and when, from what the last one
// reported — the walk over jobs, the repeat of a full batch, the end of a pass, failures.
@testable import Server
import XCTest

final class RetentionPassTests: XCTestCase {
    private func result(doomed: Int, deleted: Int? = nil, jobs: Int, last: Int64?) -> RetentionPass.Result {
        RetentionPass.Result(doomed: doomed, deleted: deleted ?? doomed, jobs: jobs, lastJob: last)
    }

    func testAFullBatchIsFollowedByTheSameJobsAgainAfterTheBusyPause() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        XCTAssertEqual(pass.first, .init(cursor: 0, delay: 0))
        XCTAssertEqual(pass.next(after: result(doomed: 1000, jobs: 2, last: 7)), .init(cursor: 0, delay: pass.busyPause))
    }

    func testAStatementThatFoundLessMovesPastItsJobs() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        XCTAssertEqual(pass.next(after: result(doomed: 200, jobs: 2, last: 7)), .init(cursor: 7, delay: pass.busyPause))
        XCTAssertEqual(pass.cursor, 7)
    }

    func testThePassEndsAtTheLastJobsAndReportsWhatItPruned() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        _ = pass.next(after: result(doomed: 1000, jobs: 2, last: 7))
        _ = pass.next(after: result(doomed: 200, jobs: 2, last: 7))
        let end = pass.next(after: result(doomed: 10, jobs: 1, last: 9))
        XCTAssertEqual(end, .init(cursor: 0, delay: pass.passPause, passPruned: 1210), "the next pass starts over, soon")
        XCTAssertEqual(pass.prunedThisPass, 0)
    }

    func testAPassThatPrunedNothingWaitsTheIdlePause() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        _ = pass.next(after: result(doomed: 0, jobs: 2, last: 7))
        XCTAssertEqual(pass.next(after: result(doomed: 0, jobs: 0, last: nil)), .init(cursor: 0, delay: pass.idlePause, passPruned: 0))
    }

    func testRowsThatChangedBeforeTheDeleteStillCountAsAFullBatch() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        XCTAssertEqual(pass.next(after: result(doomed: 1000, deleted: 998, jobs: 2, last: 7)).cursor, 0, "look at the same jobs again")
        XCTAssertEqual(pass.prunedThisPass, 998)
    }

    func testAFailedStatementIsTriedAgainFromWhereItWasAfterTheIdlePause() {
        var pass = RetentionPass(batchSize: 1000, jobsPerStatement: 2)
        _ = pass.next(after: result(doomed: 5, jobs: 2, last: 40))
        XCTAssertEqual(pass.nextAfterFailure(), .init(cursor: 40, delay: pass.idlePause))
    }

    func testRunRetentionDurationsAreReadAndRefusedUnderASecond() {
        XCTAssertEqual(RetentionRules.maxAge("30d"), 30 * 86_400_000)
        XCTAssertEqual(RetentionRules.maxAge("1m"), 60_000)
        XCTAssertEqual(RetentionRules.maxAge("PT90S"), 90_000)
        XCTAssertEqual(RetentionRules.maxAge("5000"), 5_000, "digits are milliseconds")
        XCTAssertNil(RetentionRules.maxAge("500ms"))
        XCTAssertNil(RetentionRules.maxAge("forever"))
        XCTAssertEqual(RetentionRules.maxAge("36500d"), 36_500 * 86_400_000, "a hundred years is the most")
        XCTAssertNil(RetentionRules.maxAge("36501d"), "beyond it PostgreSQL's timestamps overflow and every prune fails")
        XCTAssertNil(RetentionRules.maxAge("1000000000d"))
        XCTAssertNil(RetentionRules.maxAge("99999999999999999999"), "digits past Int64 are not a duration")
        XCTAssertNil(RetentionRules.maxAge(""))
        XCTAssertEqual(RetentionRules().maxAgeMilliseconds, 30 * 86_400_000, "the default is 30 days")
        XCTAssertEqual(RetentionRules().defaultKeep, 10_000)
    }
}
