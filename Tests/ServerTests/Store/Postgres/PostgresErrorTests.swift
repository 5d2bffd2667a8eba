// Which refusals of the server are passing ones (tried again) and which are final.
@testable import Server
import XCTest

final class PostgresErrorTests: XCTestCase {
    func testARestartADeadlockAndLackOfResourcesArePassingAndWaitForTheStore() {
        for state in ["57P01", "57P02", "57P03", "40001", "40P01", "08006", "08001", "53300", "53100"] {
            let error = PostgresError.server(sqlState: state, message: "m")
            XCTAssertTrue(error.isTransient, state)
            XCTAssertEqual(PostgresJobStore.storeError(error), .unavailable("\(state): m"), "\(state): a tick waits for the store, a request gets 503")
        }
    }

    func testRefusalsOfTheQueryItselfAreFinal() {
        for state in ["23505", "23503", "42601", "22P02", "57014", "40002"] {
            let error = PostgresError.server(sqlState: state, message: "m")
            XCTAssertFalse(error.isTransient, state)
            XCTAssertEqual(PostgresJobStore.storeError(error), .failed("\(state): m"), state)
        }
        XCTAssertFalse(PostgresError.unavailable("down").isTransient, "not a server refusal (already unavailable)")
    }
}
