@testable import BerthRuntime
import XCTest

final class ImageReferenceTests: XCTestCase {
    func testNameAndTag() throws {
        XCTAssertEqual(try ImageReference(parsing: "busybox").description, "busybox:latest")
        XCTAssertEqual(try ImageReference(parsing: "busybox:1.36").tag, "1.36")
        let r = try ImageReference(parsing: "registry.local:5000/team/app")
        XCTAssertEqual(r.name, "registry.local:5000/team/app")
        XCTAssertEqual(r.tag, "latest")
        XCTAssertEqual(try ImageReference(parsing: "registry.local:5000/team/app:v2").tag, "v2")
    }

    func testInvalidReferences() {
        for bad in ["", "Upper", "app:", "app:bad tag", ":tag", "-app", "a b"] {
            XCTAssertThrowsError(try ImageReference(parsing: bad), bad)
        }
    }

    /// docker's reference grammar: components of lowercase alphanumerics joined by one separator,
    /// an optional registry host first; nothing that is empty, `.`, `..` or a control character.
    func testDockersReferenceGrammar() throws {
        for good in ["a.b_c__d---e", "localhost/x", "localhost:5000/a/b:tag", "Registry.Example.com/x", "a/b/c:V_1.0-rc",
                     "x:" + String(repeating: "t", count: 128)] {
            XCTAssertNoThrow(try ImageReference(parsing: good), good)
        }
        for bad in ["a//b", "../x", "x/../y", "a/.", "a..b", "a___b", "a-_b", "a-", "/abs", "x:../y", "host:99999999/x",
                    "-host.com/x", "a\nb", "a\u{1b}b", "x:.tag", "x:-tag", "x:" + String(repeating: "t", count: 129), "café"] {
            XCTAssertThrowsError(try ImageReference(parsing: bad), bad)
        }
    }

    func testRestartPolicies() throws {
        XCTAssertEqual(try RestartPolicy(parsing: "on-failure:3"), .onFailure(maxRetries: 3))
        XCTAssertEqual(try RestartPolicy(parsing: "always"), .always)
        XCTAssertEqual(RestartPolicy.onFailure(maxRetries: nil).description, "on-failure")
        XCTAssertThrowsError(try RestartPolicy(parsing: "sometimes"))
        XCTAssertThrowsError(try RestartPolicy(parsing: "on-failure:-1"))
    }
}
