// SHA-1 against the standard test vectors (FIPS 180 examples and the one-million-'a' message),
// plus lengths around the padding boundary, since Redis script names depend on exact digests.

@testable import Server
import XCTest

final class SHA1Tests: XCTestCase {
    private func digest(_ text: String) -> String {
        SHA1.hexDigest(Array(text.utf8))
    }

    func testStandardVectors() {
        XCTAssertEqual(digest(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(digest("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(SHA1.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    func testLengthsAroundTheBlockBoundary() {
        // Digests from `printf '%*s' N | tr ' ' a | sha1sum`.
        XCTAssertEqual(digest(String(repeating: "a", count: 55)), "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        XCTAssertEqual(digest(String(repeating: "a", count: 56)), "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        XCTAssertEqual(digest(String(repeating: "a", count: 64)), "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    func testDigestIsTwentyBytesAndHexIsLowercase() {
        XCTAssertEqual(SHA1.digest(Array("abc".utf8)).count, 20)
        let hex = digest("The quick brown fox jumps over the lazy dog")
        XCTAssertEqual(hex, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")
        XCTAssertEqual(hex.count, 40)
    }
}
