import XCTest
@testable import Server

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    func testParsesEveryKindOfValue() throws {
        XCTAssertEqual(try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x"], "b": {}} "#),
                       .object(["a": .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null, .string("x")]),
                                "b": .object([:])]))
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse("0"), .integer(0))
        XCTAssertEqual(try parse("9223372036854775807"), .integer(Int64.max))
        XCTAssertEqual(try parse("9223372036854775808"), .number(9223372036854775808), "beyond Int64 is a fraction-capable number")
    }

    func testDecodesEscapesAndUnicode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u20AC""#), .string("é€"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"), "a surrogate pair is one scalar")
        XCTAssertEqual(try parse("\"héllo 😀\""), .string("héllo 😀"), "raw UTF-8 passes through")
    }

    func testRejectsWhatRFC8259Rejects() {
        for text in ["", "{", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "tru", "nul", "'x'", "{a:1}", "\"a\nb\"",
                     #""\x""#, #""\ud83d""#, #""\ude00""#, "[1] 2", "NaN", "{\"a\" 1}", "\"abc"] {
            XCTAssertThrowsError(try parse(text), text)
        }
    }

    func testBoundsNesting() {
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 63) + String(repeating: "]", count: 63)))
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 100_000))) { error in
            XCTAssertEqual((error as? JSONParser.Failure)?.reason, "nested deeper than 64 levels")
        }
    }

    func testFailureNamesTheOffset() {
        XCTAssertThrowsError(try parse(#"{"a": tru}"#)) { error in
            XCTAssertEqual(error as? JSONParser.Failure, JSONParser.Failure(offset: 6, reason: "unknown literal"))
        }
    }

    func testWriterEscapesAndSeparates() {
        var json = JSONWriter()
        json.beginObject()
        json.key("s")
        json.string("q\"b\\n\n\u{1}")
        json.key("list")
        json.beginArray()
        json.integer(-5)
        json.bool(true)
        json.null()
        json.beginObject()
        json.endObject()
        json.endArray()
        json.key("none")
        json.string(nil as String?)
        json.endObject()
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), #"{"s":"q\"b\\n\n\u0001","list":[-5,true,null,{}],"none":null}"#)
        XCTAssertEqual(try JSONParser.parse(json.bytes), .object(["s": .string("q\"b\\n\n\u{1}"),
                                                                   "list": .array([.integer(-5), .bool(true), .null, .object([:])]),
                                                                   "none": .null]))
    }
}
