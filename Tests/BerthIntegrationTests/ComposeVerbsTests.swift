import Foundation
import XCTest
import BerthTestSupport

/// `berth compose ps/logs/config`, as docker compose has them, against real replicas.
final class ComposeVerbsTests: ContainerTestCase {
    override class var rootLabel: String { "cverbs" }

    /// `berth ARGS` with `env` added to the environment.
    func berth(_ args: [String], env: [String] = []) -> Subprocess.Result {
        Subprocess.run("/usr/bin/env", env + [BerthCLI.binary, "--root", cli.root, "--cgroup-parent", cli.cgroupParent] + args, timeout: 120)
    }

    func write(_ text: String) throws -> String {
        let dir = try scratchDirectory(self, "cverbs-\(name.filter { $0.isLetter })")
        try text.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        return dir + "/compose.yaml"
    }

    static let file = """
        services:
          first:
            image: busybox
            network_mode: none
            command: sh -c 'echo one; sleep 3; echo three; exec sleep 600'
          second:
            image: busybox
            network_mode: none
            deploy: {replicas: 2}
            command: sh -c 'sleep 1; echo two; exec sleep 600'
          done:
            image: busybox
            network_mode: none
            command: echo finished
            restart: "no"

        """

    func testPSAndLogs() throws {
        let file = try write(Self.file)
        let up = berth(["compose", "up", "-d", "-f", file, "-p", "verbs"])
        XCTAssertEqual(up.status, 0, up.stderr)
        addTeardownBlock { [cli] in cli.run(["down", "-p", "verbs", "-t", "0"]) }
        XCTAssertTrue(cli.eventually(timeout: 20) {
            self.cli.run(["logs", "first-1"]).stdout == "one\nthree\n" && self.cli.run(["logs", "second-2"]).stdout == "two\n"
                && self.cli.run(["logs", "done-1"]).stdout == "finished\n"
        })
        XCTAssertTrue(cli.eventually(timeout: 20) { self.cli.run(["ps", "-q", "--filter", "name=done-1"]).stdout.isEmpty })

        // ps: docker compose's columns, running only unless -a; -q, --services, --format json.
        let ps = berth(["compose", "ps", "-p", "verbs"])
        XCTAssertEqual(ps.status, 0, ps.stderr)
        let lines = ps.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true),
                       ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"])
        XCTAssertEqual(lines.dropFirst().map { String($0.prefix { $0 != " " }) }, ["first-1", "second-1", "second-2"])
        XCTAssertTrue(lines[2].contains(" second ") && lines[2].contains("Up "), lines[2])
        let all = berth(["compose", "ps", "-a", "-p", "verbs"]).stdout
        XCTAssertTrue(all.contains("done-1") && all.contains("Exited (0)"), all)
        let ids = berth(["compose", "ps", "-q", "-p", "verbs"]).stdout.split(separator: "\n")
        XCTAssertEqual(ids.count, 3)
        XCTAssertTrue(ids.allSatisfy { $0.count == 64 })
        XCTAssertEqual(berth(["compose", "ps", "--services", "-a", "-p", "verbs"]).stdout, "done\nfirst\nsecond\n")
        XCTAssertEqual(berth(["compose", "ps", "-q", "-p", "verbs", "second"]).stdout.split(separator: "\n").count, 2)
        let json = berth(["compose", "ps", "-a", "--format", "json", "-p", "verbs"]).stdout.split(separator: "\n")
        XCTAssertEqual(json.count, 4)
        let objects = try json.map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.map { $0["Service"] as? String }, ["done", "first", "second", "second"])
        XCTAssertTrue(objects.allSatisfy { $0["Project"] as? String == "verbs" })
        XCTAssertEqual(objects[0]["State"] as? String, "exited")
        XCTAssertEqual(objects[1]["Name"] as? String, "first-1")

        // logs: every replica, prefixed, merged in time order; no colour off a terminal.
        let logs = berth(["compose", "logs", "-p", "verbs"])
        XCTAssertEqual(logs.status, 0, logs.stderr)
        XCTAssertFalse(logs.stdout.contains("\u{1b}"), "no colour when stdout is not a terminal")
        let got = logs.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(got), ["first-1  | one", "second-1 | two", "second-2 | two", "first-1  | three", "done-1   | finished"])
        let texts = got.filter { $0.hasPrefix("first") || $0.hasPrefix("second") }.map { String($0.split(separator: "|")[1].dropFirst()) }
        // "two" comes 1 s after its replica started, "three" 3 s after first-1 started (before the seconds).
        XCTAssertEqual(texts, ["one", "two", "two", "three"], "merged in time order")
        XCTAssertEqual(berth(["compose", "logs", "-p", "verbs", "first"]).stdout, "first-1 | one\nfirst-1 | three\n")
        XCTAssertEqual(Set(berth(["compose", "logs", "--tail", "1", "-p", "verbs", "first", "done"]).stdout.split(separator: "\n")),
                       ["done-1  | finished", "first-1 | three"])
        let stamped = berth(["compose", "logs", "-t", "-p", "verbs", "done"]).stdout
        XCTAssertTrue(stamped.hasPrefix("done-1 | 2") && stamped.hasSuffix("Z finished\n"), stamped)

        // -f follows until the containers end: a replica's new line arrives, then they are stopped.
        let out = try scratchDirectory(self, "cverbs-follow") + "/out"
        let follower = try TestChild.spawn(["/bin/sh", "-c", "exec \"$@\" > \(out)", "sh", BerthCLI.binary, "--root", cli.root,
                                            "--cgroup-parent", cli.cgroupParent, "compose", "logs", "-f", "--tail", "0", "-p", "verbs", "first"])
        var ended = false
        defer { if !ended { follower.kill() } }
        func followed() -> String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        XCTAssertEqual(cli.run(["exec", "first-1", "sh", "-c", "echo late > /proc/1/fd/1"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) { followed().contains("first-1 | late\n") }, followed())
        XCTAssertFalse(followed().contains("three"), "--tail 0: only what follows")
        XCTAssertEqual(cli.run(["stop", "-t", "0", "first-1"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 20) {
            var status: Int32 = 0
            ended = waitpid(follower.pid, &status, WNOHANG) == follower.pid
            return ended
        }, "-f ends when nothing it follows runs any more")

        // Hostile service names: one escaped line, 125, before anything is read.
        for args in [["compose", "logs", "-p", "verbs", "bad\u{1b}[2Jname"], ["compose", "ps", "-p", "verbs", "../x"]] {
            let r = berth(args)
            XCTAssertEqual(r.status, 125, r.stderr)
            XCTAssertEqual(r.stdout, "")
            XCTAssertFalse(r.stderr.contains("\u{1b}"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        XCTAssertEqual(berth(["compose", "ps", "--format", "{{.Name}}", "-p", "verbs"]).status, 125)
    }

    func testConfig() throws {
        let file = try write("""
            name: cfg
            x-common:
              note: ignored by Berth, kept here
            services:
              web:
                image: busybox
                command: ["echo", "${GREETING:-hello}", "$$HOME"]
                environment:
                  LEVEL: ${LEVEL}
                volumes: ["data:/data"]
              api:
                image: busybox
                depends_on: [web]
            volumes:
              data: {}

            """)
        let printed = berth(["compose", "config", "-f", file], env: ["LEVEL=hi\u{1b}[2Jthere"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertTrue(printed.stdout.hasPrefix("name: cfg\n"), printed.stdout)
        XCTAssertTrue(printed.stdout.contains("hello") && printed.stdout.contains("$HOME") && !printed.stdout.contains("$$"), printed.stdout)
        XCTAssertFalse(printed.stdout.contains("${"), printed.stdout)
        XCTAssertFalse(printed.stdout.contains("\u{1b}"), "control characters are escaped in the YAML")
        XCTAssertTrue(printed.stdout.contains("\\e[2J") || printed.stdout.contains("\\x1B[2J"), printed.stdout)
        // What it prints is a compose file Berth reads the same way.
        let again = try write(printed.stdout)
        XCTAssertEqual(berth(["compose", "config", "--services", "-f", again]).stdout, "web\napi\n")
        XCTAssertEqual(berth(["compose", "config", "--services", "-f", file]).stdout, "web\napi\n")
        XCTAssertEqual(berth(["compose", "config", "--volumes", "-f", file]).stdout, "data\n")
        let quiet = berth(["compose", "config", "-q", "-f", file])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stdout, "")

        let required = try write("services:\n  web:\n    image: busybox\n    command: echo ${NEEDED:?set NEEDED first}\n")
        let refused = berth(["compose", "config", "-q", "-f", required])
        XCTAssertEqual(refused.status, 125)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("set NEEDED first"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        let unknown = try write("services:\n  web:\n    image: busybox\n    depends_on: [nosuch]\n")
        let bad = berth(["compose", "config", "-f", unknown])
        XCTAssertEqual(bad.status, 125)
        XCTAssertTrue(bad.stderr.contains("unknown service"), bad.stderr)
    }
}
