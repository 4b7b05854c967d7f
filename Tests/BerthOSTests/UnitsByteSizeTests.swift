import XCTest
@testable import BerthOS

final class UnitsByteSizeTests: XCTestCase {
    func testDockerMemoryValues() throws {
        XCTAssertEqual(try ByteSize.parse("64m"), 67_108_864)
        XCTAssertEqual(try ByteSize.parse("64M"), 67_108_864)
        XCTAssertEqual(try ByteSize.parse("1g"), 1_073_741_824)
        XCTAssertEqual(try ByteSize.parse("512k"), 524_288)
        XCTAssertEqual(try ByteSize.parse("1024b"), 1024)
        XCTAssertEqual(try ByteSize.parse("1024"), 1024)
        XCTAssertEqual(try ByteSize.parse("1.5g"), 1_610_612_736)
        XCTAssertEqual(try ByteSize.parse("0.5k"), 512)
        XCTAssertEqual(try ByteSize.parse("64MiB"), 67_108_864)
        XCTAssertEqual(try ByteSize.parse("64mb"), 67_108_864)
        XCTAssertEqual(try ByteSize.parse("2t"), 2 << 40)
        XCTAssertEqual(try ByteSize.parse("0"), 0)
    }

    func testFractionsOfAByteAreDropped() throws {
        XCTAssertEqual(try ByteSize.parse("1.3k"), 1331)
        XCTAssertEqual(try ByteSize.parse("0.1"), 0)
    }

    func testUnlimitedOnlyWhereAllowed() throws {
        XCTAssertEqual(try ByteSize.parse("-1", allowUnlimited: true), -1)
        XCTAssertThrowsError(try ByteSize.parse("-1"))
        XCTAssertThrowsError(try ByteSize.parse("-1m", allowUnlimited: true))
    }

    func testRejectsMalformedValuesWithAHelpfulMessage() {
        XCTAssertThrowsError(try ByteSize.parse("12x")) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument(
                "invalid memory value '12x': expected a number with an optional unit b, k, m or g"))
        }
        for bad in ["", "m", "-1m", "1..5m", "1.m", ".5m", "1e3", "64 ", " 64m", "1,5g", "١٢m", "nan", "0x10"] {
            XCTAssertThrowsError(try ByteSize.parse(bad), "'\(bad)' should be rejected")
        }
    }

    func testRejectsOverflow() {
        XCTAssertThrowsError(try ByteSize.parse("9223372036854775808"))
        XCTAssertThrowsError(try ByteSize.parse("8192p")) { error in
            XCTAssertEqual(error as? BerthError, .invalidArgument("invalid memory value '8192p': too large"))
        }
        XCTAssertEqual(try? ByteSize.parse("8191p"), 8191 << 50)
    }

    func testHumanFormatLikeDockerStats() {
        XCTAssertEqual(ByteSize.format(512), "512B")
        XCTAssertEqual(ByteSize.format(0), "0B")
        XCTAssertEqual(ByteSize.format(12_595), "12.3KiB")
        XCTAssertEqual(ByteSize.format(64 << 20), "64.0MiB")
        XCTAssertEqual(ByteSize.format(1_610_612_736), "1.5GiB")
        XCTAssertEqual(ByteSize.format(1_048_575), "1.0MiB")
        XCTAssertEqual(ByteSize.format(1023), "1023B")
    }

    func testCompactFormatFitsNarrowColumns() {
        XCTAssertEqual(ByteSize.formatCompact(64 << 20), "64M")
        XCTAssertEqual(ByteSize.formatCompact(1_610_612_736), "1.5G")
        XCTAssertEqual(ByteSize.formatCompact(512), "512B")
        XCTAssertEqual(ByteSize.formatCompact(1000 << 20), "1000M")
        XCTAssertEqual(ByteSize.formatCompact(9_999_999), "9.5M")
        XCTAssertEqual(ByteSize.formatCompact(10_400_000), "9.9M")
        XCTAssertEqual(ByteSize.formatCompact(10_500_000), "10M")
        XCTAssertEqual(ByteSize.formatCompact(2 << 30), "2G")
    }

    func testParseAndCompactFormatAgree() throws {
        for text in ["64M", "512K", "1.5G", "2G"] {
            XCTAssertEqual(ByteSize.formatCompact(try ByteSize.parse(text)), text)
        }
    }
}
