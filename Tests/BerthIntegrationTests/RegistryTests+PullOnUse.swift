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

    /// A built image goes through the registry whole: push, remove, pull back with the digest
    /// push printed, the same id, its history's steps, and it runs.
    func testABuiltImagePushesAndPullsBackWithItsDigestAndHistory() throws {
        let dir = "/var/tmp/berth-test-builtpush-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ref = "\(registry.address)/built/app:1"
        addTeardownBlock { [cli] in
            cli.run(["rmi", "-f", ref])
            try? FileManager.default.removeItem(atPath: dir)
        }
        try Data("FROM busybox\nRUN echo built > /built && rm -rf /etc/hostname-old\nENV MODE=prod\nCOPY app.txt /app/\nCMD [\"cat\", \"/app/app.txt\"]\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/Dockerfile"))
        try Data("from the context\n".utf8).write(to: URL(fileURLWithPath: dir + "/app.txt"))
        let built = cli.run(["build", "--network", "none", "-t", ref, dir], timeout: 180)
        XCTAssertEqual(built.status, 0, built.both)
        let id = cli.run(["images", "-q", "--no-trunc", ref]).stdout
        let push = cli.run(["push", "-q", ref], timeout: 120)
        XCTAssertEqual(push.status, 0, push.both)
        let digest = push.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(skopeoDigest(ref), digest)

        XCTAssertEqual(cli.run(["rmi", ref]).status, 0)
        let back = cli.run(["pull", ref], timeout: 120)
        XCTAssertEqual(back.status, 0, back.both)
        XCTAssertTrue(back.stdout.contains("Digest: \(digest)"), back.stdout)
        XCTAssertEqual(cli.run(["images", "-q", "--no-trunc", ref]).stdout, id, "a built image's layers are Berth's own: the id survives")
        let history = cli.run(["history", "--no-trunc", ref]).stdout
        for step in ["RUN /bin/sh -c echo built", "ENV MODE=prod", "COPY app.txt /app/", "CMD [\"cat\", \"/app/app.txt\"]"] {
            XCTAssertTrue(history.contains(step), "\(step) in \(history)")
        }
        XCTAssertEqual(cli.run(["run", "--rm", "--network", "none", ref]).stdout, "from the context\n")
        XCTAssertEqual(cli.run(["push", "-q", ref], timeout: 120).stdout.trimmingCharacters(in: .whitespacesAndNewlines), digest, "pushed again: the same digest")
    }
}
