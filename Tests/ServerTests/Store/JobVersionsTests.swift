// JobVersions read from the rows of the versions query: the change mark comes from its own
// row, and an answer without one is refused rather than read as "nothing changed since 0".
import XCTest
@testable import Server

final class JobVersionsTests: XCTestCase {
    func testVersionsAndTheNextMarkComeFromTheirOwnRows() {
        let answer = JobVersions(rows: [["7", "3", nil], ["9", "1", nil], [nil, nil, "18446744073709551615"]])
        XCTAssertEqual(answer, JobVersions(versions: [7: 3, 9: 1], next: UInt64.max), "an xid8 mark is unsigned 64-bit")
    }

    func testAnAnswerWithNoJobsStillCarriesTheMark() {
        XCTAssertEqual(JobVersions(rows: [[nil, nil, "812"]]), JobVersions(versions: [:], next: 812))
    }

    func testAnAnswerWithoutAMarkOrWithTwoDifferentMarksIsRefused() {
        XCTAssertNil(JobVersions(rows: [["7", "3", nil]]), "no mark: the next reload would not know where to start")
        XCTAssertNil(JobVersions(rows: [[nil, nil, "5"], [nil, nil, "6"]]))
        XCTAssertNil(JobVersions(rows: [[nil, nil, "-1"]]), "not an xid8")
    }
}
