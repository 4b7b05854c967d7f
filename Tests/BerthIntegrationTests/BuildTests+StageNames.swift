import BerthTestSupport
import Foundation
import XCTest

/// A stage named like an image (`node`, `alpine`) is the Dockerfile's stage, never pulled: one
/// used before it is built is refused with the line, and nothing is fetched.
extension BuildTests {
    func testAStageUsedBeforeItIsBuiltIsRefusedNotPulled() throws {
        let dir = try context(["Dockerfile": """
            FROM busybox AS first
            COPY --from=alpine /etc/hostname /copied
            FROM busybox AS alpine
            RUN true
            """])
        let r = cli.run(["build", "--network", "none", "-t", "stage-order:1", dir], timeout: 60)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("stage 'alpine' is not built yet"), r.stderr)
        XCTAssertFalse(r.stderr.contains("docker.io"), "no pull was tried: \(r.stderr)")
        XCTAssertEqual(cli.run(["images", "-q", "alpine"]).stdout, "")
        let index = try context(["Dockerfile": "FROM busybox\nCOPY --from=1 /etc/hostname /copied\nFROM busybox\n"])
        let byIndex = cli.run(["build", "--network", "none", "-t", "stage-order:2", index], timeout: 60)
        XCTAssertTrue(byIndex.stderr.contains("stage 1 is not built yet"), byIndex.stderr)
    }
}
