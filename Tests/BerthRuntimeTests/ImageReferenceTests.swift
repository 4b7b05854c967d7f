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

    func testRestartPolicies() throws {
        XCTAssertEqual(try RestartPolicy(parsing: "on-failure:3"), .onFailure(maxRetries: 3))
        XCTAssertEqual(try RestartPolicy(parsing: "always"), .always)
        XCTAssertEqual(RestartPolicy.onFailure(maxRetries: nil).description, "on-failure")
        XCTAssertThrowsError(try RestartPolicy(parsing: "sometimes"))
        XCTAssertThrowsError(try RestartPolicy(parsing: "on-failure:-1"))
    }
}
