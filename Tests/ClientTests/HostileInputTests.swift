// What the CLI does with hostile input that needs no server: control characters from the
// server shown as escapes, YAML alias bombs and oversized files refused before anything is
// sent, a token that cannot go in a header, a password in --server never echoed.
import Client
import Foundation
import XCTest

final class HostileInputTests: XCTestCase {
    static let attack = "a\u{1B}]0;TITLE\u{07}\u{1B}[2J\u{9B}31m\u{7F}b"
    static let shown = "a\\x1b]0;TITLE\\x07\\x1b[2J\\u{9b}31m\\x7fb"

    func testControlCharactersAreShownAsEscapesButNewlinesAndTabsStay() {
        XCTAssertEqual(TerminalText.visible(Self.attack), Self.shown)
        XCTAssertEqual(TerminalText.visible("one\ttwo\nthree é"), "one\ttwo\nthree é")
    }

    func testATableCellCannotDriveTheTerminal() {
        var table = TextTable([.init("NAME")])
        table.add([.init(Self.attack)])
        XCTAssertEqual(table.render(Palette(standardOutputIsTerminal: false, environment: [:])), "NAME\n" + Self.shown + "\n")
    }

    func testARecordsFieldsAndOutputCannotDriveTheTerminal() {
        let run = JSONObject(["node_id": Self.attack, "output": "line\n" + Self.attack + "\n"])
        let text = RecordView.render(run, now: 0, palette: Palette(standardOutputIsTerminal: false, environment: [:]))
        XCTAssertEqual(text, "node_id  \(Self.shown)\noutput:\n  line\n  \(Self.shown)\n")
    }

    func testTheServersErrorMessageCannotDriveTheTerminal() {
        let refusal = ServerRefusal(status: 400, code: "x\u{1B}[31m", field: nil, message: "\u{1B}]0;pwned\u{07} title")
        XCTAssertEqual(ClientError.refused(refusal).message, "error: HTTP 400 x\\x1b[31m: \\x1b]0;pwned\\x07 title")
    }

    func testAYAMLAliasBombIsRefusedBeforeItExpands() throws {
        var yaml = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        yaml += "name: laughs\n"
        XCTAssertThrowsError(try JobFile.yaml(yaml, path: "laughs.yaml")) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 2)
            XCTAssertTrue((error as? ClientError)?.message.contains("more than 100000 YAML nodes") == true, "\(error)")
        }
    }

    func testAFileBeyondTheServersBodyLimitIsRefusedUnread() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsched-big-\(UUID().uuidString).yaml")
        try Data(("name: " + String(repeating: "x", count: JobFile.maxBytes)).utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try JobFile.read(url.path)) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 2)
            XCTAssertTrue((error as? ClientError)?.message.contains("larger than 1048576 bytes") == true, "\(error)")
        }
        XCTAssertThrowsError(try JobFile.read("/dev/zero")) { error in
            XCTAssertEqual((error as? ClientError)?.exitCode, 2)
        }
    }

    func testATokenWithALineBreakIsAUsageErrorThatDoesNotEchoIt() throws {
        XCTAssertEqual(try BearerToken.checked("  abc \t", source: "DSCHED_API_TOKEN"), "abc")
        XCTAssertNil(try BearerToken.checked("", source: "DSCHED_API_TOKEN"))
        for token in ["sec\r\nret", "secret\n", "sec\u{0}ret"] {
            XCTAssertThrowsError(try BearerToken.checked(token, source: "DSCHED_API_TOKEN")) { error in
                XCTAssertEqual((error as? ClientError)?.exitCode, 2)
                XCTAssertFalse((error as? ClientError)?.message.contains("sec") == true, "\(error)")
            }
        }
    }

    func testAPasswordInTheServerURLIsRefusedWithoutBeingEchoed() {
        for text in ["http://admin:hunter2@host:8080/x", "ftp://admin:hunter2@host/", "http://admin:hunter2@"] {
            XCTAssertThrowsError(try ServerAddress(text)) { error in
                XCTAssertEqual((error as? ClientError)?.exitCode, 2)
                XCTAssertFalse((error as? ClientError)?.message.contains("hunter2") == true, "\(error)")
            }
        }
    }
}
