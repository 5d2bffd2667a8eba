// TextTable and Palette: column layout, alignment, and when colour is used.
import Client
import XCTest

final class TextTableTests: XCTestCase {
    private func table() -> TextTable {
        var table = TextTable([.init("ID", rightAligned: true), .init("NAME"), .init("STATE")])
        table.add([.init("7"), .init("backup"), .init("failed", colour: .red)])
        table.add([.init("12"), .init("a"), .init("ok")])
        return table
    }

    func testColumnsAreTwoSpacesApartNumbersRightTextLeftNoTrailingSpaces() {
        XCTAssertEqual(table().render(Palette(enabled: false)), """
            ID  NAME    STATE
             7  backup  failed
            12  a       ok

            """)
    }

    func testColourWrapsTheTextAfterPaddingSoColumnsStillLineUp() {
        var table = TextTable([.init("STATE"), .init("ID", rightAligned: true)])
        table.add([.init("ok", colour: .green), .init("1")])
        XCTAssertEqual(table.render(Palette(enabled: true)), "STATE  ID\n\u{1B}[32mok\u{1B}[0m      1\n")
    }

    func testColourOnlyOnATerminalAndNeverWithNoColourOrADumbTerminal() {
        XCTAssertTrue(Palette(standardOutputIsTerminal: true, environment: [:]).enabled)
        XCTAssertFalse(Palette(standardOutputIsTerminal: false, environment: [:]).enabled)
        XCTAssertFalse(Palette(standardOutputIsTerminal: true, environment: ["NO_COLOR": "1"]).enabled)
        XCTAssertTrue(Palette(standardOutputIsTerminal: true, environment: ["NO_COLOR": ""]).enabled, "an empty NO_COLOR does not count")
        XCTAssertFalse(Palette(standardOutputIsTerminal: true, environment: ["TERM": "dumb"]).enabled)
    }

    func testAPaletteThatIsOffLeavesTextAlone() {
        XCTAssertEqual(Palette(enabled: false).paint("failed", .red), "failed")
    }

    func testStatusColoursGroupSuccessFailureAndWaiting() {
        XCTAssertEqual(Palette.colour(ofStatus: "succeeded"), .green)
        for status in ["failed", "timed_out", "lost"] { XCTAssertEqual(Palette.colour(ofStatus: status), .red, status) }
        for status in ["skipped", "cancelled", "paused"] { XCTAssertEqual(Palette.colour(ofStatus: status), .yellow, status) }
        for status in ["pending", "running"] { XCTAssertEqual(Palette.colour(ofStatus: status), .cyan, status) }
        XCTAssertNil(Palette.colour(ofStatus: "something new"))
    }
}
