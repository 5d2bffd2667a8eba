import XCTest
@testable import Server

final class PostgresArrayLiteralTests: XCTestCase {
    func testQuotesEveryElementAndEscapesQuotesAndBackslashes() {
        var array = PostgresArrayLiteral()
        array.append("plain")
        array.append(#"say "hi" \ bye"#)
        array.append(nil)
        array.append("")
        array.append("{,}")
        XCTAssertEqual(array.text, #"{"plain","say \"hi\" \\ bye",NULL,"","{,}"}"#)
    }

    func testEmptyArray() {
        XCTAssertEqual(PostgresArrayLiteral().text, "{}")
    }
}
