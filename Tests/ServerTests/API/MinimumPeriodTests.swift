// --min-frequency in the validator: intervals by their period, cron by its shortest gap,
// one-shots not at all.
@testable import Server
import XCTest

final class MinimumPeriodTests: XCTestCase {
    private let now: Int64 = 1_767_225_600_000

    private func create(_ body: String, minimum: Int64) throws -> JobDraft {
        try JobValidator(now: now, minimumPeriod: minimum).create(try JSONParser.parse(Array(body.utf8)))
    }

    func testIntervalsShorterThanTheMinimumAreRefusedNamingTheField() {
        for frequency in ["1", "99", #""50ms""#, #""@every 10ms""#] {
            XCTAssertThrowsError(try create(#"{"name":"n","frequency":\#(frequency),"script":"true"}"#, minimum: 100), frequency) { error in
                XCTAssertEqual((error as? APIError)?.field, "frequency")
            }
        }
        XCTAssertNoThrow(try create(#"{"name":"n","frequency":100,"script":"true"}"#, minimum: 100))
    }

    func testCronIsMeasuredByItsShortestGap() {
        XCTAssertThrowsError(try create(#"{"name":"n","frequency":"* * * * * *","script":"true"}"#, minimum: 2_000))
        XCTAssertThrowsError(try create(#"{"name":"n","frequency":"0,1 * * * *","script":"true"}"#, minimum: 120_000),
                             "minutes 0 and 1 are a minute apart")
        XCTAssertNoThrow(try create(#"{"name":"n","frequency":"*/2 * * * *","script":"true"}"#, minimum: 120_000))
    }

    func testAOneShotHasNoPeriodToCheck() {
        XCTAssertNoThrow(try create(#"{"name":"n","frequency":1,"repeat":false,"script":"true"}"#, minimum: 100))
    }
}
