import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A compose project with a bind of the file's own directory, a named volume and an anonymous
/// one: the data survives `down` and `up`, `down -v` removes the project's volumes (not an
/// external one), as docker compose does.
final class ComposeVolumeUpTests: ContainerTestCase {
    override class var rootLabel: String { "composevol" }

    override func tearDown() {
        if let root = Self.root {
            let services = root.cli.run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !services.isEmpty { root.cli.run(["service", "rm", "-t", "1"] + services) }
            root.removeContainers()
            root.cli.run(["volume", "prune", "--all"])
        }
        super.tearDown()
    }

    private func berth(in directory: String, _ args: [String]) -> Subprocess.Result {
        Subprocess.run("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, BerthCLI.binary,
                                   "--root", cli.root, "--cgroup-parent", cli.cgroupParent] + args, timeout: 120)
    }

    private func volumes() -> [String] {
        cli.run(["volume", "ls", "-q"]).stdout.split(separator: "\n").map(String.init).filter { $0.count != 64 }.sorted()
    }

    private func anonymousCount() -> Int {
        cli.run(["volume", "ls", "-q"]).stdout.split(separator: "\n").filter { $0.count == 64 }.count
    }

    private func exec(_ container: String, _ script: String) -> String {
        let r = cli.run(["exec", container, "sh", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func testVolumesSurviveDownAndGoWithDownDashV() throws {
        let dir = try scratchDirectory(self, "composevol") + "/shop"
        try FileManager.default.createDirectory(atPath: dir + "/app", withIntermediateDirectories: true)
        try "print('hi')\n".write(toFile: dir + "/app/app.py", atomically: false, encoding: .utf8)
        XCTAssertEqual(cli.run(["volume", "create", "outside"]).status, 0)
        try """
            services:
              web:
                image: busybox
                network_mode: none
                command: sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait; done'
                volumes:
                  - ./app:/app:ro
                  - data:/var/lib/data
                  - /scratch
                  - type: volume
                    source: ext
                    target: /ext
            volumes:
              data:
              ext:
                external: true
                name: outside
            """.write(toFile: dir + "/compose.yaml", atomically: false, encoding: .utf8)

        let up = berth(in: dir, ["up", "-d"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(volumes(), ["outside", "shop_data"])
        XCTAssertEqual(anonymousCount(), 1)
        XCTAssertEqual(exec("web-1", "cat /app/app.py; echo saved > /var/lib/data/f; touch /app/x 2>/dev/null || echo ro"), "print('hi')\nro\n")
        let inspect = try XCTUnwrap((try cli.json(["volume", "inspect", "shop_data"]) as? [[String: Any]])?.first)
        XCTAssertEqual((inspect["Labels"] as? [String: String])?["berth.project"], "shop")

        XCTAssertEqual(berth(in: dir, ["down"]).status, 0)
        XCTAssertEqual(volumes(), ["outside", "shop_data"], "down keeps the volumes")
        XCTAssertEqual(berth(in: dir, ["up", "-d"]).status, 0)
        XCTAssertEqual(exec("web-1", "cat /var/lib/data/f"), "saved\n")

        let down = berth(in: dir, ["down", "-v"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(volumes(), ["outside"], "down -v removes the project's volumes, not an external one")
        XCTAssertEqual(anonymousCount(), 1, "the first up's anonymous volume was left by plain down, as compose does")
    }

    func testAnExternalVolumeMustExist() throws {
        let dir = try scratchDirectory(self, "composevol-ext") + "/p"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "services:\n  a:\n    image: busybox\n    volumes: [\"gone:/x\"]\nvolumes:\n  gone: {external: true}\n"
            .write(toFile: dir + "/compose.yaml", atomically: false, encoding: .utf8)
        let r = berth(in: dir, ["up", "-d"])
        XCTAssertEqual(r.status, 125, r.stderr)
        XCTAssertEqual(r.stderr, "berth: volumes.gone: the external volume 'gone' does not exist (berth volume create gone)\n")
    }
}
