import Foundation
import XCTest
@testable import BerthOS
@testable import BerthRuntime

/// The one escaping function for untrusted text in messages, and the one name validator.
final class QuotedTests: XCTestCase {
    func testPlainTextIsOnlyQuoted() {
        XCTAssertEqual(Quoted.quote("web-1"), "'web-1'")
        XCTAssertEqual("".quoted, "''")
        XCTAssertEqual("café ☕".quoted, "'café ☕'")
    }

    func testControlCharactersAreEscaped() {
        XCTAssertEqual("a\nberth: fake".quoted, "'a\\nberth: fake'")
        XCTAssertEqual("\u{1B}[31mred".quoted, "'\\x1b[31mred'")
        XCTAssertEqual("a\tb\rc\u{0}d\u{7F}".quoted, "'a\\tb\\rc\\x00d\\x7f'")
        // C1 controls (0x9b is a one-byte CSI on some terminals).
        XCTAssertEqual("\u{9B}31m".quoted, "'\\x9b31m'")
    }

    func testBidiOverridesAreEscaped() {
        XCTAssertEqual("abc\u{202E}txt.exe".quoted, "'abc\\u{202e}txt.exe'")
        XCTAssertEqual("\u{2066}x\u{2069}".quoted, "'\\u{2066}x\\u{2069}'")
        XCTAssertEqual("\u{202A}".quoted, "'\\u{202a}'")
    }

    func testQuotesAndBackslashesAreEscapedSoTheQuotedTextIsUnambiguous() {
        XCTAssertEqual("it's".quoted, "'it\\'s'")
        XCTAssertEqual("a\\nb".quoted, "'a\\\\nb'")
        XCTAssertNotEqual("a\\nb".quoted, "a\nb".quoted)
    }

    func testEscapeControlsLeavesNoControlCharacterAndIsIdempotent() {
        let hostile = "x\n\u{1B}]0;title\u{7}\u{202E}y\\"
        let once = Quoted.escapeControls(hostile)
        XCTAssertFalse(once.unicodeScalars.contains(where: Quoted.needsEscape))
        XCTAssertEqual(once, "x\\n\\x1b]0;title\\x07\\u{202e}y\\")
        XCTAssertEqual(Quoted.escapeControls(once), once)
    }

    func testBerthErrorsEscapeTheNamesTheyCarry() {
        XCTAssertEqual(BerthError.noSuchContainer("a\nberth: x").description, "no such container: a\\nberth: x")
        XCTAssertEqual(BerthError.nameInUse("a\u{1B}").description, "the container name 'a\\x1b' is already in use")
        XCTAssertFalse(BerthError.system(operation: "open", path: "/x\n", errno: ENOENT).description.contains("\n"))
    }

    func testResourceNamesFollowDockersGrammar() throws {
        for ok in ["a", "web", "Web-1", "a.b_c-d", "0abc", String(repeating: "x", count: 128)] {
            XCTAssertEqual(try ResourceName.validate(ok, kind: .service), ok)
        }
        for bad in ["", "../../X", "..", ".", "a/b", "/x", "-x", "_x", ".x", "a b", "a\nb", "é", "a:b",
                    String(repeating: "x", count: 129)] {
            XCTAssertThrowsError(try ResourceName.validate(bad, kind: .network), bad) { error in
                let text = (error as? BerthError)?.description ?? ""
                XCTAssertTrue(text.hasPrefix("invalid network name "), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
        XCTAssertEqual((try? ResourceName.validate("x", kind: .container, minimumLength: 2)), nil)
        XCTAssertEqual(try ContainerName.validate("/web"), "web")
    }
}
