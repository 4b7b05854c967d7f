import BerthTestSupport
import Foundation
import XCTest

/// `build` and compose `up` pull what they use, as docker does: a FROM image (of `build`, and of
/// a compose service's `build:`) and a service's `image:`, when the store lacks them (`--pull
/// missing`, the default); `--pull never` leaves a missing one missing.
extension RegistryTests {
    func testBuildAndUpPullTheImagesTheyUse() throws {
        let base = "\(registry.address)/fixture/img:v1"
        let dir = "/var/tmp/berth-test-pullonuse-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/app", withIntermediateDirectories: true)
        addTeardownBlock { [cli] in
            cli.run(["down", "-p", "pou", "-t", "1"], timeout: 60)
            for image in ["pou-built:1", "pou-web", base] { cli.run(["rmi", "-f", image]) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        try Data("FROM \(base)\nRUN echo built > /built\n".utf8).write(to: URL(fileURLWithPath: dir + "/app/Dockerfile"))
        forget([base])
        XCTAssertEqual(cli.run(["images", "-q", base]).stdout, "", "the base is not in the store")

        let never = cli.run(["build", "--pull", "never", "--network", "none", "-t", "pou-built:1", dir + "/app"], timeout: 60)
        XCTAssertNotEqual(never.status, 0)
        XCTAssertTrue(never.stderr.contains("no such image here"), never.stderr)
        let built = cli.run(["build", "--network", "none", "-t", "pou-built:1", dir + "/app"], timeout: 180)
        XCTAssertEqual(built.status, 0, built.stdout + built.stderr)
        XCTAssertNotEqual(cli.run(["images", "-q", base]).stdout, "", "the FROM image was pulled")
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", "pou-built:1", "cat", "/built"]).stdout, "built\n")

        // compose: a service's image and a built service's FROM image, both pulled by `up`.
        cli.run(["rmi", "-f", "pou-built:1"])
        forget([base])
        try Data("""
            services:
              plain:
                image: \(base)
                network_mode: none
                command: ["sleep", "60"]
              web:
                network_mode: none
                build: {context: ./app, network: none}
                command: ["sh", "-c", "cat /built; sleep 60"]
            """.utf8).write(to: URL(fileURLWithPath: dir + "/compose.yaml"))
        let up = cli.run(["up", "-d", "-p", "pou", "-f", dir + "/compose.yaml"], timeout: 240)
        XCTAssertEqual(up.status, 0, up.stdout + up.stderr)
        XCTAssertTrue(up.stdout.contains("building pou-web:latest for web"), up.stdout)
        XCTAssertTrue(cli.eventually(timeout: 15) { cli.run(["logs", "web-1"]).stdout == "built\n" }, cli.run(["logs", "web-1"]).both)
        XCTAssertEqual(try cli.state("plain-1")["Status"] as? String, "running")
    }
}
