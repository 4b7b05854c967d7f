import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Services, scaling, compose files and the demo, with real containers through the real `berth`.
final class ServiceScaleTests: ContainerTestCase {
    override class var rootLabel: String { "svc" }

    /// A replica that ends at once on SIGTERM, as a well-behaved service does.
    static let loop = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        let cli = self.cli
        addTeardownBlock { cli.removeAllServices() }
    }

    /// name → state of every container whose name starts with `prefix`.
    func replicas(_ prefix: String) throws -> [String: String] {
        let list = try XCTUnwrap(cli.json(["ps", "-a", "--json"]) as? [[String: Any]])
        var out: [String: String] = [:]
        for c in list {
            guard let name = c["name"] as? String, name.hasPrefix(prefix + "-") else { continue }
            out[name] = (c["state"] as? [String: Any])?["status"] as? String
        }
        return out
    }

    func service(_ name: String) throws -> [String: Any]? {
        let list = try XCTUnwrap(cli.json(["service", "ls", "--json"]) as? [[String: Any]])
        return list.first { $0["name"] as? String == name }
    }

    func testScaleUpFromZeroThenDownRemovesTheHighestNumbered() throws {
        let created = cli.run(["service", "create", "--replicas", "0", "up", "busybox"] + Self.loop)
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(try replicas("up"), [:])

        let up = cli.run(["scale", "up=3"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(up.stdout, "up: 0 -> 3 (created up-1, up-2, up-3)\n")
        XCTAssertEqual(try replicas("up"), ["up-1": "running", "up-2": "running", "up-3": "running"])
        let s = try XCTUnwrap(try service("up"))
        XCTAssertEqual(s["desired"] as? Int, 3)
        XCTAssertEqual(s["running"] as? Int, 3)
        let table = cli.run(["service", "ls"]).stdout
        let lines = table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.first, ["NAME", "IMAGE", "DESIRED", "RUNNING", "PORTS", "PROJECT", "AUTOSCALE"], table)
        XCTAssertEqual(lines.last, ["up", "busybox", "3", "3"], table)

        let down = cli.run(["scale", "up=1"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(down.stdout, "up: 3 -> 1 (removed up-3, up-2)\n")
        XCTAssertEqual(try replicas("up"), ["up-1": "running"])
        XCTAssertEqual(try service("up")?["desired"] as? Int, 1)
    }

    func testConcurrentScaleCallsDoNotOvershoot() throws {
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "0", "race", "busybox"] + Self.loop).status, 0)
        let cli = self.cli
        let results = UnsafeSendableBox<[BerthCLI.Result]>([])
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let r = cli.run(["scale", "race=4"])
            lock.lock(); results.value.append(r); lock.unlock()
        }
        XCTAssertEqual(results.value.map(\.status), [0, 0], results.value.map(\.stderr).joined())
        XCTAssertEqual(Set(results.value.map(\.stdout)),
                       ["race: 0 -> 4 (created race-1, race-2, race-3, race-4)\n", "race: 4 -> 4 (up to date)\n"])
        XCTAssertEqual(try replicas("race"), ["race-1": "running", "race-2": "running", "race-3": "running", "race-4": "running"])
    }

    func testACrashedReplicaIsRestartedByItsPolicy() throws {
        XCTAssertEqual(cli.run(["service", "create", "crash", "busybox"] + Self.loop).status, 0)
        let before = try cli.state("crash-1")
        let pid = try XCTUnwrap(before["Pid"] as? Int)
        XCTAssertEqual(Glibc.kill(Int32(pid), SIGKILL), 0)
        let restarted = try cli.eventually(timeout: 15) {
            let c = try cli.inspect("crash-1")
            let s = c["State"] as? [String: Any] ?? [:]
            return s["Status"] as? String == "running" && (c["RestartCount"] as? Int ?? 0) >= 1 && s["Pid"] as? Int != pid
        }
        XCTAssertTrue(restarted, "crash-1 was not restarted: \((try? cli.state("crash-1")) ?? [:])")
        XCTAssertEqual(try service("crash")?["running"] as? Int, 1)
    }

    func testServiceRemoveTakesItsReplicas() throws {
        XCTAssertEqual(cli.run(["service", "create", "--replicas", "2", "gone", "busybox"] + Self.loop).status, 0)
        let r = cli.run(["service", "rm", "gone"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "gone: 2 -> 0 (removed gone-2, gone-1)\n")
        XCTAssertEqual(try replicas("gone"), [:])
        XCTAssertNil(try service("gone"))
        let again = cli.run(["scale", "gone=1"])
        XCTAssertEqual(again.status, 125)
        XCTAssertEqual(again.stderr, "berth: no such service: gone\n")
    }

    // MARK: Compose

    /// A compose file in a fresh directory named `project`; removed after the test.
    func composeFile(_ project: String, _ text: String) throws -> String {
        let dir = Self.root.path + "-compose/" + project
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: Self.root.path + "-compose") }
        let path = dir + "/compose.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let shop = """
        services:
          front:
            image: busybox
            depends_on: [back]
            deploy:
              replicas: 2
            environment:
              GREETING: hello
            command: ["sh", "-c", "trap 'exit 0' TERM; echo $$GREETING from $$(hostname); while :; do sleep 1 & wait; done"]
            networks: [default]
          back:
            image: busybox
            mem_limit: 32m
            cpus: 0.5
            command: sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait; done'
        """

    func testUpDetachedAndDown() throws {
        let file = try composeFile("shop", Self.shop)
        let up = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(up.stdout, "back: 0 -> 1 (created back-1)\nfront: 0 -> 2 (created front-1, front-2)\n")
        XCTAssertEqual(up.stderr, "", "networks: [default] is supported now (issue 12): the project's default network")
        XCTAssertEqual(try replicas("front"), ["front-1": "running", "front-2": "running"])
        XCTAssertEqual(try replicas("back"), ["back-1": "running"])
        XCTAssertEqual(try service("front")?["project"] as? String, "shop")
        XCTAssertEqual(dig(try cli.inspect("back-1"), "HostConfig", "Memory") as? Int, 32 << 20)
        XCTAssertTrue(cli.eventually { self.cli.run(["logs", "front-2"]).stdout == "hello from front-2\n" },
                      cli.run(["logs", "front-2"]).stdout)

        // A second `up` changes nothing.
        let again = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(again.stdout, "back: 1 -> 1 (up to date)\nfront: 2 -> 2 (up to date)\n")

        let down = cli.run(["down", "-f", file, "-t", "2"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(down.stdout, "front: 2 -> 0 (removed front-2, front-1)\nback: 1 -> 0 (removed back-1)\n")
        XCTAssertEqual(try replicas("front"), [:])
        XCTAssertEqual(try replicas("back"), [:])
        XCTAssertEqual(cli.run(["service", "ls", "-q"]).stdout, "")
    }

    func testUpInTheForegroundFollowsLogsAndStopsOnInterrupt() throws {
        let file = try composeFile("fg", """
            services:
              ticker:
                image: busybox
                deploy: {replicas: 2}
                command: sh -c 'trap "exit 0" TERM; i=0; while :; do i=$$((i+1)); echo tick $$i; sleep 0.2 & wait; done'
            """)
        // Interrupt `up` once both replicas' logs have come through, not after a fixed time.
        let out = Self.root.path + "/up-fg.out", err = Self.root.path + "/up-fg.err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer { unlink(out); unlink(err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "up", "-f", file]
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        XCTAssertTrue(cli.eventually(timeout: 30) {
            let o = read(out)
            return o.contains("ticker-1 | tick 2\n") && o.contains("ticker-2 | tick 2\n")
        }, "both replicas' logs: \(read(out)) \(read(err))")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let stdout = read(out), stderr = read(err)
        XCTAssertEqual(p.terminationReason, .exit, "up handles the interrupt"); XCTAssertEqual(p.terminationStatus, 0, stderr)
        XCTAssertTrue(stdout.contains("ticker-1 | tick 1\n"), stdout)
        XCTAssertTrue(stdout.contains("ticker-2 | tick 2\n"), stdout)
        XCTAssertTrue(stderr.contains("Stopping fg"), stderr)
        XCTAssertEqual(try replicas("ticker"), ["ticker-1": "exited", "ticker-2": "exited"])
        // `up` again starts the stopped replicas.
        let again = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(again.stdout, "ticker: 2 -> 2 (started ticker-1, ticker-2)\n", again.stderr)
        XCTAssertEqual(cli.run(["down", "-p", "fg"]).status, 0)
        XCTAssertEqual(try replicas("ticker"), [:])
    }

    func testComposeErrorsNameTheKeyPath() throws {
        let file = try composeFile("bad", """
            services:
              web:
                image: busybox
                deploy:
                  replicas: three
            """)
        let r = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(r.status, 125)
        XCTAssertEqual(r.stderr, "berth: \(file): services.web.deploy.replicas: expected an integer\n")
        XCTAssertEqual(try replicas("web"), [:])
        XCTAssertNil(try service("web"))
    }

    // MARK: The demo

    func testDemoUpAndDown() throws {
        let up = cli.run(["demo", "-d"], timeout: 120)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertTrue(up.stdout.contains("web: 0 -> 3 (created web-1, web-2, web-3)\n"), up.stdout)
        let services = try XCTUnwrap(cli.json(["service", "ls", "--json"]) as? [[String: Any]])
        XCTAssertEqual(services.map { $0["name"] as? String ?? "" }, ["burner", "web", "worker"])
        XCTAssertEqual(services.map { $0["desired"] as? Int ?? -1 }, [1, 3, 2])
        XCTAssertEqual(services.map { $0["running"] as? Int ?? -1 }, [1, 3, 2])
        // The workers reach `web` by name across the bridge and log what they got.
        XCTAssertTrue(cli.eventually(timeout: 15) {
            self.cli.run(["logs", "worker-1"]).stdout.range(of: #"request \d+ to http://web/: ok in \d+ms: hello from web-[123]"#,
                                                             options: .regularExpression) != nil
        }, cli.run(["logs", "worker-1"]).stdout)
        XCTAssertTrue(cli.eventually(timeout: 10) { self.cli.run(["logs", "burner-1"]).stdout.contains("burst:") })

        let down = cli.run(["demo", "--down"], timeout: 120)
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "")
        XCTAssertEqual(cli.run(["service", "ls", "-q"]).stdout, "")
    }

    func testDemoWithoutTheBridge() throws {
        setenv("BERTH_DEMO_NETWORK", "none", 1)
        defer { unsetenv("BERTH_DEMO_NETWORK") }
        let up = cli.run(["demo", "-d"], timeout: 120)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(try replicas("web").count, 3)
        XCTAssertTrue(cli.eventually(timeout: 10) { self.cli.run(["logs", "worker-1"]).stdout.contains("failed in") },
                      cli.run(["logs", "worker-1"]).stdout)
        XCTAssertEqual(dig(try cli.inspect("web-1"), "HostConfig", "NetworkMode") as? String, "none")
        XCTAssertEqual(cli.run(["demo", "--down"], timeout: 120).status, 0)
        XCTAssertEqual(cli.run(["ps", "-a", "-q"]).stdout, "")
    }

    func testReplicaOnePublishesTheServicePorts() throws {
        let port = 20_000 + Int(getpid() % 10_000)
        let r = cli.run(["service", "create", "--replicas", "2", "-p", "127.0.0.1:\(port):80", "pub", "busybox", "sh", "-c",
                         "trap 'exit 0' TERM; hostname > /var/www/index.html; httpd -f -p 80 -h /var/www & wait"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(cli.eventually(timeout: 10) {
            Subprocess.run("/bin/busybox", ["wget", "-q", "-O", "-", "http://127.0.0.1:\(port)/"], timeout: 5).stdout == "pub-1\n"
        })
        XCTAssertEqual(try service("pub")?["ports"] as? [String], ["127.0.0.1:\(port):80"])
        let bad = cli.run(["service", "create", "-p", "70000:80", "nopub", "busybox", "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "berth: invalid port '70000:80': host port '70000' is not a port in 1-65535\n")
        XCTAssertNil(try service("nopub"))
    }
}

/// A mutable value shared with `concurrentPerform`'s closure, guarded by the caller's lock.
final class UnsafeSendableBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
