import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `up` as docs/services.md and `berth up --help` describe it — the file found in the working
/// directory, `-p`, recreation of changed services only — and the service verbs around it:
/// `service inspect`, `scale` of several services in one call.
final class ComposeUpTests: ContainerTestCase {
    override class var rootLabel: String { "compose" }

    /// A replica that ends at once on SIGTERM.
    static let loop = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"

    override func setUpWithError() throws {
        try super.setUpWithError()
        let cli = self.cli
        addTeardownBlock { cli.removeAllServices() }
    }

    /// A fresh directory `name` holding `files` (file name → text), removed after the test.
    func project(_ name: String, _ files: [String: String]) throws -> String {
        let base = try scratchDirectory(self, "compose-\(self.name.filter { $0.isLetter })")
        let dir = base + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (file, text) in files { try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8) }
        return dir
    }

    /// `berth ARGS` run with `directory` as its working directory.
    func berth(in directory: String, _ args: [String]) -> Subprocess.Result {
        Subprocess.run("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, BerthCLI.binary,
                                   "--root", cli.root, "--cgroup-parent", cli.cgroupParent] + args, timeout: 120)
    }

    /// Container name → id of the replicas of `service`.
    func replicaIDs(_ service: String) throws -> [String: String] {
        let list = try XCTUnwrap(cli.json(["ps", "-a", "--json"]) as? [[String: Any]])
        var out: [String: String] = [:]
        for c in list {
            guard let name = c["name"] as? String, name.hasPrefix(service + "-"), let id = c["id"] as? String else { continue }
            out[name] = id
        }
        return out
    }

    func serviceRecord(_ name: String) throws -> [String: Any]? {
        (try cli.json(["service", "ls", "--json"]) as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func file(_ services: [String: String]) -> String {
        "services:\n" + services.sorted { $0.key < $1.key }.map { name, extra in
            "  \(name):\n    image: busybox\n    network_mode: none\n    command: \(loop)\n" + extra
        }.joined()
    }

    func testUpFindsTheComposeFileInTheWorkingDirectory() throws {
        // compose.yaml is preferred to docker-compose.yml when both are there.
        let dir = try project("Shop_Front", [
            "compose.yaml": Self.file(["cart": ""]),
            "docker-compose.yml": Self.file(["ignored": ""]),
        ])
        let up = berth(in: dir, ["up", "-d"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(up.stdout, "cart: 0 -> 1 (created cart-1)\n")
        XCTAssertNil(try serviceRecord("ignored"))
        // The project is the directory's name, lower-cased.
        XCTAssertEqual(try serviceRecord("cart")?["project"] as? String, "shop_front")
        let labels = ((try? cli.inspect("cart-1"))?["Config"] as? [String: Any])?["Labels"] as? [String: String]
        XCTAssertEqual(labels?["berth.project"], "shop_front")
        // `down` in the same directory finds the same file.
        let down = berth(in: dir, ["down", "-t", "1"])
        XCTAssertEqual(down.stdout, "cart: 1 -> 0 (removed cart-1)\n", down.stderr)

        // The other names are found too, in the documented order.
        let other = try project("other", ["docker-compose.yml": Self.file(["legacy": ""])])
        XCTAssertEqual(berth(in: other, ["up", "-d"]).stdout, "legacy: 0 -> 1 (created legacy-1)\n")
        XCTAssertEqual(berth(in: other, ["down", "-t", "1"]).status, 0)

        let empty = try project("empty", [:])
        let none = berth(in: empty, ["up", "-d"])
        XCTAssertEqual(none.status, 125)
        XCTAssertEqual(none.stderr, "berth: no compose file here: give one with -f (looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)\n")
        XCTAssertEqual(cli.run(["service", "ls", "-q"]).stdout, "")
    }

    func testProjectNameOptionNamesTheProject() throws {
        let dir = try project("dirname", ["compose.yaml": "name: fromfile\n" + Self.file(["api": ""])])
        let up = berth(in: dir, ["up", "-d", "-p", "chosen"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(try serviceRecord("api")?["project"] as? String, "chosen", "-p wins over the file's name:")
        let labels = ((try? cli.inspect("api-1"))?["Config"] as? [String: Any])?["Labels"] as? [String: String]
        XCTAssertEqual(labels?["berth.project"], "chosen")
        // Another project's name removes nothing; the chosen one removes it, with no file needed.
        let wrong = cli.run(["down", "-p", "fromfile"])
        XCTAssertEqual(wrong.stderr, "berth: nothing to remove for project 'fromfile'\n")
        XCTAssertNotNil(try serviceRecord("api"))
        let down = cli.run(["down", "-p", "chosen", "-t", "1"])
        XCTAssertEqual(down.stdout, "api: 1 -> 0 (removed api-1)\n", down.stderr)
        XCTAssertNil(try serviceRecord("api"))

        // Without -p, the file's name: is the project.
        XCTAssertEqual(berth(in: dir, ["up", "-d"]).status, 0)
        XCTAssertEqual(try serviceRecord("api")?["project"] as? String, "fromfile")
        let bad = berth(in: dir, ["up", "-d", "-p", "Bad Name"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertTrue(bad.stderr.hasPrefix("berth: ") && bad.stderr.filter { $0 == "\n" }.count == 1, bad.stderr)
    }

    func testUpAgainRecreatesOnlyTheChangedService() throws {
        let dir = try project("recreate", ["compose.yaml": Self.file([
            "changed": "    environment:\n      VERSION: \"1\"\n    deploy:\n      replicas: 2\n",
            "kept": "",
        ])])
        XCTAssertEqual(berth(in: dir, ["up", "-d"]).status, 0)
        let changedBefore = try replicaIDs("changed"), keptBefore = try replicaIDs("kept")
        XCTAssertEqual(changedBefore.count, 2)
        XCTAssertEqual(keptBefore.count, 1)

        try Self.file([
            "changed": "    environment:\n      VERSION: \"2\"\n    deploy:\n      replicas: 2\n",
            "kept": "",
        ]).write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let again = berth(in: dir, ["up", "-d"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("kept: 1 -> 1 (up to date)"), again.stdout)
        XCTAssertTrue(again.stdout.hasPrefix("changed: 2 -> 2 (created "), again.stdout)

        let changedAfter = try replicaIDs("changed"), keptAfter = try replicaIDs("kept")
        XCTAssertEqual(keptAfter, keptBefore, "the unchanged service keeps its containers")
        XCTAssertEqual(Set(changedAfter.keys), Set(changedBefore.keys), "the same replica names")
        XCTAssertTrue(Set(changedAfter.values).isDisjoint(with: changedBefore.values), "every replica of the changed service is new")
        for name in changedAfter.keys.sorted() {
            XCTAssertEqual(cli.run(["exec", name, "sh", "-c", "echo $VERSION"]).stdout, "2\n", name)
        }
        XCTAssertEqual(berth(in: dir, ["down", "-t", "1"]).status, 0)
    }

    func testScaleSetsSeveralServicesInOneCall() throws {
        for (name, replicas) in [("alpha", "0"), ("beta", "3")] {
            let r = cli.run(["service", "create", "--replicas", replicas, "--network", "none", "--stop-timeout", "1", name,
                             "busybox", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let r = cli.run(["scale", "alpha=2", "beta=1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "alpha: 0 -> 2 (created alpha-1, alpha-2)\nbeta: 3 -> 1 (removed beta-3, beta-2)\n")
        XCTAssertEqual(Set(try replicaIDs("alpha").keys), ["alpha-1", "alpha-2"])
        XCTAssertEqual(Set(try replicaIDs("beta").keys), ["beta-1"])
        XCTAssertEqual(try serviceRecord("alpha")?["desired"] as? Int, 2)
        XCTAssertEqual(try serviceRecord("beta")?["desired"] as? Int, 1)

        let bad = cli.run(["scale", "alpha=1", "beta"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr.filter { $0 == "\n" }.count, 1, bad.stderr)
        XCTAssertEqual(Set(try replicaIDs("alpha").keys), ["alpha-1", "alpha-2"], "a malformed target changes nothing")
    }

    func testServiceInspectShowsTheTemplateCountsAndReplicas() throws {
        let r = cli.run(["service", "create", "--replicas", "2", "--network", "none", "-m", "24m", "-e", "MODE=test", "-l", "team=ops",
                         "shown", "busybox", "sleep", "60"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "0", "--network", "none", "idle", "busybox", "true"]).status, 0)
        let list = try XCTUnwrap(try cli.json(["service", "inspect", "shown", "idle"]) as? [[String: Any]])
        XCTAssertEqual(list.map { $0["name"] as? String }, ["shown", "idle"])
        let shown = list[0]
        XCTAssertEqual(shown["desired"] as? Int, 2)
        XCTAssertEqual(shown["running"] as? Int, 2)
        XCTAssertEqual(shown["image"] as? String, "busybox")
        let replicas = shown["replicas"] as? [[String: Any]] ?? []
        XCTAssertEqual(replicas.map { $0["name"] as? String }, ["shown-1", "shown-2"])
        XCTAssertEqual(replicas.map { $0["status"] as? String }, ["running", "running"])
        // The replicas' ids are the containers' (from ps, independently).
        let ids = try replicaIDs("shown")
        XCTAssertEqual(replicas.map { $0["id"] as? String }, [ids["shown-1"], ids["shown-2"]])
        let template = (shown["spec"] as? [String: Any])?["template"] as? [String: Any] ?? [:]
        XCTAssertEqual(template["command"] as? [String], ["sleep", "60"])
        XCTAssertEqual(template["env"] as? [String], ["MODE=test"])
        XCTAssertEqual(template["labels"] as? [String: String], ["team": "ops"])
        XCTAssertEqual((template["limits"] as? [String: Any])?["memory"] as? Int, 24 << 20)
        XCTAssertEqual(list[1]["desired"] as? Int, 0)
        XCTAssertEqual((list[1]["replicas"] as? [Any])?.count, 0)

        let missing = cli.run(["service", "inspect", "nosuch"])
        XCTAssertEqual(missing.status, 125)
        XCTAssertEqual(missing.stderr, "berth: no such service: nosuch\n")
    }
}
