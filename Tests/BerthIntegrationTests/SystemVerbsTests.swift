import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `top CONTAINER`, `wait --condition`, `container prune`, `info`, `version`.
final class SystemVerbsTests: ContainerTestCase {
    override class var rootLabel: String { "sysverbs" }

    private func pids(_ name: String) throws -> Set<Int32> {
        let id = try XCTUnwrap((try? cli.inspect(name))?["Id"] as? String)
        let r = Subprocess.run("/usr/bin/find", ["/sys/fs/cgroup/pids", "-path", "*\(id)/cgroup.procs"])
        let file = try XCTUnwrap(r.stdout.split(separator: "\n").first.map(String.init))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return Set(text.split(separator: "\n").compactMap { Int32($0) })
    }

    /// top lists exactly the processes of the container's cgroup (read independently from the
    /// pids hierarchy), with the ps options given; `berth top` alone is still the dashboard.
    func testTopListsTheContainersProcesses() throws {
        try Prerequisite.require(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids"), "a cgroup v1 pids hierarchy")
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "busy", "busybox", "sh", "-c", "sleep 601 & sleep 602 & wait"]).status, 0)
        XCTAssertTrue(try cli.eventually { try pids("busy").count == 3 })
        let expected = try pids("busy")
        let r = cli.run(["top", "busy"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.contains("PID") == true, r.stdout)
        let shown = Set(lines.dropFirst().compactMap { Int32($0.split(separator: " ")[1]) })
        XCTAssertEqual(shown, expected)
        XCTAssertTrue(r.stdout.contains("sleep 601") && r.stdout.contains("sleep 602"), r.stdout)

        let custom = cli.run(["top", "busy", "-o", "pid,comm"])
        XCTAssertEqual(custom.status, 0, custom.stderr)
        XCTAssertEqual(custom.stdout.split(separator: "\n").first?.split(separator: " ").map(String.init), ["PID", "COMMAND"])
        XCTAssertEqual(Set(custom.stdout.split(separator: "\n").dropFirst().compactMap { Int32($0.split(separator: " ")[0]) }), expected)

        let noPID = cli.run(["top", "busy", "-o", "comm"])
        XCTAssertEqual(noPID.status, 125)
        XCTAssertEqual(noPID.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(cli.run(["top", "nosuch"]).status, 1)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "done", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "done"]).stdout, "0\n")
        let stopped = cli.run(["top", "done"])
        XCTAssertEqual(stopped.status, 1)
        XCTAssertTrue(stopped.stderr.contains("not running"), stopped.stderr)
    }

    /// next-exit waits for the next exit even of a stopped container; removed waits for the removal.
    func testWaitConditions() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "once", "busybox", "sh", "-c", "exit 3"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "once"]).stdout, "3\n")
        XCTAssertEqual(cli.run(["wait", "--condition", "not-running", "once"]).stdout, "3\n", "not running: at once")

        // A container the restart policy brings back after each exit: `not-running` would wait
        // for good, next-exit returns at the next of its exits, whenever the waiter starts.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "loop", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 7"]).status, 0)
        let next = cli.run(["wait", "--condition", "next-exit", "loop"], timeout: 30)
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(next.stdout, "7\n")
        XCTAssertEqual(cli.run(["stop", "-t", "0", "loop"]).status, 0)

        // removed: returns once `rm` is done, with the last exit code.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "gone", "busybox", "sh", "-c", "exit 5"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "gone"]).stdout, "5\n")
        let cli = self.cli
        let removedWaiter = Locked<BerthCLI.Result?>(nil)
        let removed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let r = cli.run(["wait", "--condition", "removed", "gone"])
            removedWaiter.withLock { $0 = r }
            removed.signal()
        }
        // The waiter must have found the container before it is removed: it sleeps between two
        // reads of the status only once it has (its kernel wait channel says so).
        XCTAssertTrue(cli.eventually(timeout: 30) {
            Self.process(arguments: ["--condition", "removed", "gone"]).map(Self.isSleeping) == true
        })
        XCTAssertNil(removedWaiter.withLock { $0 }, "removed does not return while the container exists")
        XCTAssertEqual(cli.run(["rm", "gone"]).status, 0)
        XCTAssertEqual(removed.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(removedWaiter.withLock { $0?.stdout }, "5\n", removedWaiter.withLock { $0?.stderr } ?? "")

        let bad = cli.run(["wait", "--condition", "soon", "once"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "berth: invalid condition 'soon': not-running, next-exit or removed\n")
    }

    func testContainerPrune() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "keep-running", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "created", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "exited-a", "--label", "tier=a", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "exited-b", "--label", "tier=b", "busybox", "true"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "exited-a", "exited-b"]).stdout, "0\n0\n")
        let names = { Set(((try? self.cli.json(["ps", "-a", "--json"]) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }) }

        let refused = cli.run(["container", "prune"], stdin: "n\n")
        XCTAssertEqual(refused.status, 0)
        XCTAssertEqual(names().count, 4, "answering no removes nothing")

        let labelled = cli.run(["container", "prune", "-f", "--filter", "label=tier=a"])
        XCTAssertEqual(labelled.status, 0, labelled.stderr)
        XCTAssertTrue(labelled.stdout.hasPrefix("Deleted Containers:\n"), labelled.stdout)
        XCTAssertEqual(names(), ["keep-running", "created", "exited-b"])

        let all = cli.run(["container", "prune"], stdin: "y\n")
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(names(), ["keep-running"])
        XCTAssertEqual(cli.run(["container", "prune", "-f", "--filter", "colour=red"]).status, 125)
    }

    /// logs --until (a time between two lines, taken from the log's own timestamps) and --details.
    func testLogsUntilAndDetails() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "talk", "busybox", "sh", "-c", "echo one; sleep 0.3; echo two"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "talk"]).stdout, "0\n")
        let stamped = cli.run(["logs", "-t", "talk"]).stdout.split(separator: "\n")
        XCTAssertEqual(stamped.count, 2)
        let first = try XCTUnwrap(stamped.first?.split(separator: " ").first.map(String.init))
        XCTAssertEqual(cli.run(["logs", "--until", first, "talk"]).stdout, "one\n")
        XCTAssertEqual(cli.run(["logs", "--details", "talk"]).stdout, "one\ntwo\n")
        XCTAssertEqual(cli.run(["logs", "--until", "tomorrow", "talk"]).status, 125)
    }

    func testInfoAndVersion() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "up", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "frozen", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["pause", "frozen"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "new", "busybox", "true"]).status, 0)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(cli.run(["info", "--format", "json"]).stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["Containers"] as? Int, 3)
        XCTAssertEqual(info["ContainersRunning"] as? Int, 1)
        XCTAssertEqual(info["ContainersPaused"] as? Int, 1)
        XCTAssertEqual(info["ContainersStopped"] as? Int, 1)
        XCTAssertEqual(info["Images"] as? Int, 1)
        XCTAssertEqual(info["DockerRootDir"] as? String, cli.root)
        XCTAssertEqual(cli.run(["info", "-f", "{{.Berth.EventsJournal}}"]).stdout, cli.root + "/events/journal\n")
        XCTAssertTrue(cli.run(["info"]).stdout.contains("Containers: 3\n Running: 1\n Paused: 1\n Stopped: 1\n"))
        XCTAssertEqual(cli.run(["info", "-f", "{{"]).status, 125)

        let v = cli.run(["version", "--format", "{{.Version}} {{.Os}}"])
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertEqual(v.stdout, "0.1.0 linux\n")
        XCTAssertEqual(cli.run(["--version"]).stdout, "0.1.0\n", "one version: the flag and the verb agree")
        XCTAssertTrue(cli.run(["version"]).stdout.contains("Version:        0.1.0"))
    }

    /// The pid of a process whose command line ends with `arguments`.
    static func process(arguments: [String]) -> Int32? {
        let want = arguments.joined(separator: "\0")
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\0") { text.removeLast() }
            if text.hasSuffix(want) { return pid }
        }
        return nil
    }

    /// Whether `pid` sleeps in nanosleep or poll (the waiter's loop), not starting up.
    static func isSleeping(_ pid: Int32) -> Bool {
        let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? ""
        return wchan.contains("nanosleep") || wchan.contains("poll")
    }
}
