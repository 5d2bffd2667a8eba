// JSONParser's strings are well-formed UTF-8: every ill-formed sequence (RFC 3629, the Unicode
// Standard's table 3-7) and every `\u` escape that leaves a lone surrogate fails at the offset
// of its first byte, instead of being replaced by U+FFFD.
import XCTest
@testable import Server

final class JSONParserUTF8Tests: XCTestCase {
    /// `{"script":"<bytes>"}`: the string's bytes start at offset 11.
    private func failure(inString bytes: [UInt8]) -> JSONParser.Failure? {
        do {
            _ = try JSONParser.parse(Array(#"{"script":""#.utf8) + bytes + Array(#""}"#.utf8))
            return nil
        } catch {
            return error
        }
    }

    func testWellFormedSequencesOfEveryLengthPass() throws {
        let samples = ["caf\u{E9}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "😀", "\u{10FFFF}"]
        for sample in samples {
            XCTAssertEqual(try JSONParser.parse(Array("\"\(sample)\"".utf8)), .string(sample), sample)
            XCTAssertEqual(try JSONParser.parse(Array("\"\\n\(sample)\"".utf8)), .string("\n" + sample), "after an escape: \(sample)")
        }
    }

    func testIllFormedSequencesFailAtTheirFirstByte() {
        let cases: [(String, [UInt8])] = [
            ("Latin-1 é, then the quote", [0x63, 0x61, 0x66, 0xE9]),
            ("a lone continuation byte", [0x61, 0x80]),
            ("C0: overlong NUL", [0x61, 0xC0, 0x80]),
            ("C1: overlong '/'", [0x61, 0xC1, 0xAF]),
            ("E0: overlong three-byte '/'", [0x61, 0xE0, 0x80, 0xAF]),
            ("E0 9F: overlong U+07FF", [0x61, 0xE0, 0x9F, 0xBF]),
            ("F0: overlong four-byte '/'", [0x61, 0xF0, 0x80, 0x80, 0xAF]),
            ("ED A0 80: the surrogate U+D800 encoded", [0x61, 0xED, 0xA0, 0x80]),
            ("ED BF BF: the surrogate U+DFFF encoded", [0x61, 0xED, 0xBF, 0xBF]),
            ("a surrogate pair encoded as CESU-8", [0x61, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
            ("F4 90: past U+10FFFF", [0x61, 0xF4, 0x90, 0x80, 0x80]),
            ("F5: no such lead byte", [0x61, 0xF5, 0x80, 0x80, 0x80]),
            ("FF", [0x61, 0xFF]),
            ("two bytes, truncated by the quote", [0x61, 0xC3]),
            ("three bytes, truncated", [0x61, 0xE2, 0x82]),
            ("four bytes, truncated", [0x61, 0xF0, 0x9F, 0x98]),
            ("a continuation replaced by ASCII", [0x61, 0xE2, 0x41, 0xAC]),
        ]
        for (label, bytes) in cases {
            let offset = 11 + (bytes.firstIndex { $0 >= 0x80 } ?? 0)
            XCTAssertEqual(failure(inString: bytes), JSONParser.Failure(offset: offset, reason: "invalid UTF-8"), label)
            XCTAssertEqual(failure(inString: Array("\\t".utf8) + bytes), JSONParser.Failure(offset: offset + 2, reason: "invalid UTF-8"),
                           "\(label), after an escape")
        }
    }

    func testABodyEndingInsideASequenceFails() {
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0x61, 0xE2, 0x82])) { error in
            XCTAssertEqual(error as? JSONParser.Failure, JSONParser.Failure(offset: 2, reason: "invalid UTF-8"))
        }
    }

    func testInvalidUTF8InAMemberNameFailsToo() {
        XCTAssertThrowsError(try JSONParser.parse([0x7B, 0x22, 0xC0, 0xAE, 0x22, 0x3A, 0x31, 0x7D])) { error in
            XCTAssertEqual(error as? JSONParser.Failure, JSONParser.Failure(offset: 2, reason: "invalid UTF-8"))
        }
    }

    func testEscapesLeavingALoneSurrogateFailAtTheEscape() {
        let cases: [(String, Int, String)] = [
            (#"{"script":"\ud800"}"#, 11, #"unpaired surrogate \uD800"#),
            (#"{"script":"ab\uDBFFx"}"#, 13, #"unpaired surrogate \uDBFF"#),
            (#"{"script":"\ud83d\u0041"}"#, 11, #"unpaired surrogate \uD83D"#),
            (#"{"script":"\ud83d\ud83d"}"#, 11, #"unpaired surrogate \uD83D"#),
            (#"{"script":"\ude00"}"#, 11, #"unpaired surrogate \uDE00"#),
            (#"{"script":"x\udfff\ud800"}"#, 12, #"unpaired surrogate \uDFFF"#),
        ]
        for (text, offset, reason) in cases {
            XCTAssertThrowsError(try JSONParser.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual(error as? JSONParser.Failure, JSONParser.Failure(offset: offset, reason: reason), text)
            }
        }
        XCTAssertEqual(try JSONParser.parse(Array(#""\uD83D\uDE00\u00e9""#.utf8)), .string("😀é"), "a pair is one scalar")
    }
}
