import BerthRuntime
import XCTest

/// `--platform` parsing and the index entry rule pull and import share (docs/registries.md).
final class ImagePlatformTests: XCTestCase {
    func p(_ text: String) throws -> ImagePlatform { try ImagePlatform(parsing: text) }

    func testSpellingsOfOnePlatformAreEqualAndTheirDescriptionIsCanonical() throws {
        XCTAssertEqual(try p("linux/arm64"), try p("linux/aarch64"))
        XCTAssertEqual(try p("linux/arm64"), try p("linux/arm64/v8"))
        XCTAssertEqual(try p("linux/amd64"), try p("linux/x86_64"))
        XCTAssertEqual(try p("linux/arm"), try p("linux/arm/v7"))
        XCTAssertEqual(try p("linux/armhf"), try p("linux/arm/7"))
        XCTAssertEqual(try p("Linux/AMD64").description, "linux/amd64")
        XCTAssertEqual(try p("linux/aarch64/v8").description, "linux/arm64")
        XCTAssertEqual(try p("linux/arm/v6").description, "linux/arm/v6")
        XCTAssertNotEqual(try p("linux/arm/v6"), try p("linux/arm/v7"))
        XCTAssertNotEqual(try p("linux/amd64"), try p("linux/amd64/v3"), "a microarchitecture level is a variant of its own")
        XCTAssertNotEqual(try p("linux/amd64"), try p("windows/amd64"))
    }

    func testIndexEntriesAndConfigsMatchAfterNormalizing() throws {
        let arm64 = try p("linux/arm64")
        XCTAssertTrue(arm64.matches(OCIPlatform(architecture: "arm64", os: "linux", variant: "v8")))
        XCTAssertTrue(arm64.matches(OCIPlatform(architecture: "arm64", os: "linux", variant: nil)))
        XCTAssertFalse(arm64.matches(OCIPlatform(architecture: "arm", os: "linux", variant: "v8")))
        XCTAssertTrue(arm64.matches(os: "linux", architecture: "aarch64", variant: nil))
        XCTAssertFalse(arm64.matches(os: "linux", architecture: "amd64", variant: nil))
        XCTAssertTrue(arm64.matches(os: nil, architecture: nil, variant: nil), "a config that says nothing is taken as asked")
    }

    func testMalformedPlatformsAreRefusedInOneLine() {
        for bad in ["", "linux", "linux/", "/amd64", "linux//amd64", "linux/amd64/v1/x", "linux/am d64",
                    "linux/\u{1b}[31mred", "linux/" + String(repeating: "a", count: 33), "../x/y"] {
            XCTAssertThrowsError(try p(bad), bad.debugDescription) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("is not OS/ARCH[/VARIANT]"), text)
                XCTAssertFalse(text.contains("\u{1b}"), "escape sequences are quoted: \(text.debugDescription)")
            }
        }
    }
}
