import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Reads a running command's stdout until `enough` says so, then ends it (SIGTERM, SIGKILL if it
/// lingers) and reaps it. For commands that stream until interrupted (`stats`).
enum StreamingRead {
    static func run(_ path: String, _ args: [String], timeout: Double = 60, until enough: (String) -> Bool) -> String {
        var out: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { return "" }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, out[1], 1)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&fa, out[0])
        posix_spawn_file_actions_addclose(&fa, out[1])
        var cargs: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fa, nil, &cargs, environ)
        close(out[1])
        defer { close(out[0]) }
        guard rc == 0 else { return "" }
        var text = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var fds = [pollfd(fd: out[0], events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, 500) <= 0 { continue }
            let n = read(out[0], &buf, buf.count)
            if n <= 0 { break }
            text += buf[0..<n]
            if enough(String(decoding: text, as: UTF8.self)) { break }
        }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let end = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > end { kill(pid, SIGKILL); waitpid(pid, &status, 0); break }
            usleep(20_000)
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Listing and streaming commands, and where the state lives (`BERTH_ROOT`).
final class CLIOutputTests: ContainerTestCase {
    override class var rootLabel: String { "cliout" }

    /// The complete top-level JSON arrays in `text` (`stats --json` prints one per sample).
    static func frames(_ text: String) -> [[[String: Any]]] {
        text.components(separatedBy: "\n]\n").dropLast().compactMap { chunk in
            try? JSONSerialization.jsonObject(with: Data((chunk + "\n]").utf8)) as? [[String: Any]]
        }
    }

    func testStatsStreamsASampleAfterAnother() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "streamed", "--network", "none", "busybox", "sh", "-c",
                                "while :; do :; done"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "unlisted", "--network", "none", "busybox", "sleep", "60"]).status, 0)
        let global = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent]
        let text = StreamingRead.run(BerthCLI.binary, global + ["stats", "--json", "streamed"]) { Self.frames($0).count >= 3 }
        let frames = Self.frames(text)
        XCTAssertGreaterThanOrEqual(frames.count, 3, "three samples arrive without being asked again: \(text)")
        for frame in frames {
            XCTAssertEqual(frame.map { $0["name"] as? String }, ["streamed"], "only the container asked for")
            XCTAssertEqual(frame.first?["pids"] as? Int, 1)
        }
        // The busy loop's CPU counts from the second sample on (a rate needs two readings).
        XCTAssertGreaterThan(frames.dropFirst().compactMap { $0.first?["cpuPercent"] as? Double }.max() ?? 0, 0, text)

        // The table form redraws: each sample clears the screen and prints its header again.
        let table = StreamingRead.run(BerthCLI.binary, global + ["stats"]) { $0.components(separatedBy: "CONTAINER ID").count > 3 }
        let screens = table.components(separatedBy: "\u{1B}[2J\u{1B}[H").filter { !$0.isEmpty }
        XCTAssertGreaterThanOrEqual(screens.count, 3, table)
        for screen in screens.prefix(3) {
            XCTAssertTrue(screen.hasPrefix("CONTAINER ID"), screen)
            XCTAssertTrue(screen.contains("streamed") && screen.contains("unlisted"), "all running containers: \(screen)")
        }
        XCTAssertEqual(cli.run(["rm", "-f", "streamed", "unlisted"]).status, 0)
    }

    func testNetworkLsListsTheBridgeWithItsMembersAndHostAndNone() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "member-a", "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "member-b", "busybox", "sleep", "60"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "outsider", "--network", "none", "busybox", "sleep", "60"]).status, 0)
        // The container's own view: its gateway and its address's subnet.
        let route = cli.run(["exec", "member-a", "sh", "-c", "ip route | grep default; ip -o -4 addr show eth0"]).stdout
        let gateway = try XCTUnwrap(route.range(of: #"via [0-9.]+"#, options: .regularExpression).map { String(route[$0].dropFirst(4)) }, route)
        let bridge = try XCTUnwrap(Self.root.scope.bridge)
        XCTAssertTrue(HostLeaks.interfaceExists(bridge), "the bridge \(bridge) is on the host")

        let r = cli.run(["network", "ls"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.first, ["NAME", "DRIVER", "INTERFACE", "SUBNET", "GATEWAY", "CONTAINERS"], r.stdout)
        XCTAssertEqual(rows.count, 4, r.stdout)
        let bridgeRow = try XCTUnwrap(rows.first { $0.first == "bridge" }, r.stdout)
        XCTAssertEqual(bridgeRow.count, 6, r.stdout)
        XCTAssertEqual(bridgeRow[1], "bridge")
        XCTAssertEqual(bridgeRow[2], bridge)
        XCTAssertTrue(route.contains(" " + String(bridgeRow[3].prefix { $0 != "/" }.dropLast()) ), "address in \(bridgeRow[3]): \(route)")
        XCTAssertEqual(bridgeRow[4], gateway)
        XCTAssertEqual(bridgeRow[5], "2", "the two bridge containers, not the one without a network")
        XCTAssertEqual(rows.first { $0.first == "host" }, ["host", "host", "-", "-", "-", "-"])
        XCTAssertEqual(rows.first { $0.first == "none" }, ["none", "null", "-", "-", "-", "-"])

        let json = try XCTUnwrap(try cli.json(["network", "ls", "--json"]) as? [[String: Any]])
        XCTAssertEqual(json.first?["interface"] as? String, bridge)
        XCTAssertEqual(json.first?["gateway"] as? String, gateway)
        XCTAssertEqual(json.first?["containers"] as? String, "2")
        XCTAssertEqual(cli.run(["rm", "-f", "member-a", "member-b", "outsider"]).status, 0)
    }

    func testBerthRootFromTheEnvironmentAndTheOptionWins() throws {
        let env = try Prerequisite.requireTool("env")
        let other = "/var/tmp/berth-test-envroot-\(getpid())"
        try? FileManager.default.removeItem(atPath: other)
        let cli = self.cli
        addTeardownBlock {
            // Its containers first (their cgroups are under this class's parent), then the directory.
            let ids = Subprocess.run(env, ["BERTH_ROOT=" + other, BerthCLI.binary, "ps", "-a", "-q"]).stdout
                .split(separator: "\n").map(String.init)
            if !ids.isEmpty { _ = Subprocess.run(env, ["BERTH_ROOT=" + other, BerthCLI.binary, "--cgroup-parent", cli.cgroupParent, "rm", "-f"] + ids) }
            try? FileManager.default.removeItem(atPath: other)
        }
        func berth(_ args: [String]) -> Subprocess.Result {
            Subprocess.run(env, ["BERTH_ROOT=" + other, "BERTH_CGROUP_PARENT=" + cli.cgroupParent, BerthCLI.binary] + args)
        }
        let imported = berth(["image", "import-busybox", "--name", "envroot:1"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: other + "/images.json"), "BERTH_ROOT holds the image index")
        XCTAssertTrue((try? String(contentsOfFile: other + "/images.json", encoding: .utf8))?.contains("envroot") ?? false)
        XCTAssertFalse(cli.run(["image", "ls"]).stdout.contains("envroot"), "the class's own root is untouched")

        let run = berth(["run", "--rm", "--network", "none", "envroot:1", "echo", "from env root"])
        XCTAssertEqual(run.stdout, "from env root\n", run.stderr)
        XCTAssertEqual(berth(["run", "-d", "--name", "env-held", "--network", "none", "envroot:1", "sleep", "60"]).status, 0)
        let id = berth(["ps", "-q"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(id.count, 12, "one container listed from BERTH_ROOT")
        XCTAssertEqual(HostState.entries(of: other + "/containers").filter { $0.hasPrefix(id) }.count, 1, "its state is under BERTH_ROOT")

        // --root wins over the environment.
        let named = berth(["--root", cli.root, "ps", "-a", "--json"])
        XCTAssertFalse(named.stdout.contains("env-held"), named.stdout)
        XCTAssertEqual(berth(["rm", "-f", "env-held"]).status, 0)
    }
}
