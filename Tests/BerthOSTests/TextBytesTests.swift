import XCTest
@testable import BerthOS

/// The byte-level helpers the /proc parsers and id generation use.
final class TextBytesTests: XCTestCase {
    func testSplitDropsEmptyPiecesLikeCharacterSplit() {
        let text = "  a b\u{00e9}  c\n\nd  "
        XCTAssertEqual(StatText.split(text[...], at: 0x20), ["a", "b\u{00e9}", "c\n\nd"])
        XCTAssertEqual(StatText.lines(text), ["  a b\u{00e9}  c", "d  "])
        XCTAssertEqual(StatText.split("", at: 0x0A), [])
        XCTAssertEqual(StatText.split("\n\n", at: 0x0A), [])
        XCTAssertEqual(StatText.split("rw,cpu,,cpuacct", at: 0x2C), ["rw", "cpu", "cpuacct"])
    }

    func testSplitOfASubstringStaysInsideIt() {
        let line = "x 1 2 y"
        let inner = line.dropFirst(2).dropLast(2)  // "1 2"
        XCTAssertEqual(StatText.split(inner, at: 0x20), ["1", "2"])
    }

    /// Bytes, not Characters: a combining mark after a space would make one grapheme of the two.
    func testSplitIsByBytesNotGraphemes() {
        let text = "a \u{0301}b"
        XCTAssertEqual(text.split(separator: " ").count, 1)
        XCTAssertEqual(StatText.split(text[...], at: 0x20), ["a", "\u{0301}b"])
    }

    func testHexIsLowercaseTwoDigitsPerByte() {
        XCTAssertEqual(Hex.lowercase([UInt8]()), "")
        XCTAssertEqual(Hex.lowercase([0x00, 0x0f, 0xa0, 0xff, 0x12]), "000fa0ff12")
        XCTAssertEqual(Hex.lowercase(Array(0...255).map(UInt8.init)).count, 512)
        XCTAssertEqual(Hex.lowercase((0...255).map(UInt8.init)), (0...255).map { String(format: "%02x", $0) }.joined())
    }
}
