import BerthOS
import BerthRuntime
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `berth exec` joins a running container: its namespaces, its cgroups, its identity.
final class ExecTests: ContainerTestCase {
    override class var rootLabel: String { "exec" }

    override class func setUp() {
        super.setUp()
        _ = root?.cli.run(["run", "-d", "--name", "target", "--hostname", "inside", "busybox", "sh", "-c",
                           "trap 'exit 0' TERM; echo marker > /tmp/seen; while true; do sleep 0.2; done"])
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        XCTAssertTrue(cli.eventually { cli.run(["exec", "target", "test", "-e", "/tmp/seen"]).status == 0 })
    }

    func testExecSeesTheContainersNamespacesAndFiles() throws {
        let initPid = try XCTUnwrap(try cli.state("target")["Pid"] as? Int)
        let r = cli.run(["exec", "target", "sh", "-c",
                         "hostname; cat /tmp/seen; cat /proc/1/cmdline | tr '\\0' ' '; echo; for ns in pid mnt net; do readlink /proc/self/ns/$ns; done"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 6 else { return XCTFail("unexpected output: \(r.stdout)") }
        XCTAssertEqual(lines[0], "inside")
        XCTAssertEqual(lines[1], "marker", "the container's writable layer")
        XCTAssertTrue(lines[2].hasPrefix("sh -c trap"), "PID 1 is the container's init: \(lines[2])")
        for (i, ns) in ["pid", "mnt", "net"].enumerated() {
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(initPid)/ns/\(ns)")
            XCTAssertEqual(lines[3 + i], host, "same \(ns) namespace as the container's init")
        }
    }

    func testExecJoinsTheContainersCgroup() throws {
        let initPid = try XCTUnwrap(try cli.state("target")["Pid"] as? Int)
        // Read while the exec runs: the exec'd process's own view of its cgroups, and the host's
        // view of that process, must both equal the init's.
        let r = cli.run(["exec", "target", "cat", "/proc/self/cgroup"], timeout: 20)
        XCTAssertEqual(r.status, 0, r.stderr)
        let initCgroups = try String(contentsOfFile: "/proc/\(initPid)/cgroup", encoding: .utf8)
        func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init).sorted() }
        XCTAssertFalse(lines(r.stdout).isEmpty)
        // The container has no cgroup namespace of its own when it sees full paths; with one, both views are "/".
        let viewedFromInside = lines(r.stdout)
        let initFromInside = lines(cli.run(["exec", "target", "cat", "/proc/1/cgroup"]).stdout)
        XCTAssertEqual(viewedFromInside, initFromInside, "the exec'd process is in the init's cgroups")
        XCTAssertTrue(initCgroups.contains("/" + cli.cgroupParent + "/"), "the init sits under the test's parent: \(initCgroups)")
        // And from the host, while a second exec is alive: its pid is in the init's cgroup.procs.
        let pidsDir = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(initPid), controller: "pids", v1: "cgroup.procs", v2: "cgroup.procs"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "exec", "target", "sh", "-c", "exec sleep 30"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() }; p.waitUntilExit() }
        var sleeper: Int32?
        XCTAssertTrue(cli.eventually(timeout: 20) {
            sleeper = HostLeaks.processes(mentioning: "sleep 30").first { pid in
                (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?.contains(cli.cgroupParent) ?? false
            }
            return sleeper != nil
        }, "the exec'd sleep appears")
        let procs = try String(contentsOfFile: pidsDir, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        XCTAssertTrue(procs.contains(Int32(initPid)))
        if let sleeper { XCTAssertTrue(procs.contains(sleeper), "the running exec is in the init's cgroup: \(procs) lacks \(sleeper)") }
        if let sleeper { kill(sleeper, SIGKILL) } // the process this test started, by its pid
    }

    /// The exec plan carries the init's start time; the shim, once it holds a pidfd of the pid, refuses
    /// a process with another start time (the init exited and its pid went to someone else) instead
    /// of joining that process's namespaces and cgroups.
    func testExecRefusesAnInitWhoseStartTimeChanged() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "pinned-init", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        defer { cli.run(["rm", "-f", "pinned-init"]) }
        let engine = try Engine(options: EngineOptions(root: cli.root, cgroupParent: cli.cgroupParent))
        func prepared() throws -> (argv: [String], plan: String) {
            let argv = try engine.prepareExec("pinned-init", ExecRequest(command: ["echo", "joined"]))
            return (argv, try XCTUnwrap(argv.last))
        }
        let good = try prepared()
        let ran = Subprocess.run(good.argv[0], Array(good.argv.dropFirst()))
        XCTAssertEqual(ran.status, 0, ran.stderr)
        XCTAssertEqual(ran.stdout, "joined\n")

        // The same plan with the start time another process would have.
        let stale = try prepared()
        var fields = try XCTUnwrap(FileManager.default.contents(atPath: stale.plan)).split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
        let key = try XCTUnwrap(fields.firstIndex(of: Array("target_start".utf8)), "the exec plan carries target_start")
        XCTAssertNotEqual(fields[key + 1], Array("1".utf8))
        fields[key + 1] = Array("1".utf8)
        try Data(fields.joined(separator: [0]).map { $0 }).write(to: URL(fileURLWithPath: stale.plan))
        let refused = Subprocess.run(stale.argv[0], Array(stale.argv.dropFirst()))
        XCTAssertEqual(refused.status, 125, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("its init has exited"), refused.stderr)
        XCTAssertEqual(refused.stdout, "", "nothing ran")
    }

    /// The dashboard's processes view: the engine lists a container's processes from its cgroups
    /// and signals one of them, never a process outside the container (this test's own, the
    /// host's init), whatever PID it is given.
    func testProcessesAreListedAndOnlyTheContainersAreSignalled() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "signals", "--network", "none", "busybox", "sh", "-c",
                                "sleep 1000 & trap 'exit 0' TERM; while true; do sleep 0.2; done"]).status, 0)
        defer { cli.run(["rm", "-f", "signals"]) }
        let engine = try Engine(options: EngineOptions(root: cli.root, cgroupParent: cli.cgroupParent))
        var sleeper: ProcessSample?
        XCTAssertTrue(cli.eventually { sleeper = (try? engine.processSamples("signals"))?.first { $0.command == "sleep 1000" }; return sleeper != nil })
        let target = try XCTUnwrap(sleeper, "sleep 1000 is listed")
        let initPid = try XCTUnwrap(try cli.state("signals")["Pid"] as? Int)
        XCTAssertEqual(target.parentPID, Int32(initPid), "its parent is the container's init")
        for outsider in [getpid(), 1] {
            XCTAssertThrowsError(try engine.signalProcess("signals", pid: outsider, signal: SIGTERM), "pid \(outsider)") { error in
                XCTAssertTrue("\(error)".contains("is not one of"), "\(error)")
            }
        }
        XCTAssertThrowsError(try engine.signalProcess("signals", pid: target.pid, signal: 0))
        try engine.signalProcess("signals", pid: target.pid, signal: SIGTERM)
        XCTAssertTrue(cli.eventually { !((try? engine.processSamples("signals")) ?? []).contains { $0.pid == target.pid } }, "the sleep ended")
        XCTAssertEqual(try cli.state("signals")["Status"] as? String, "running", "only that process was signalled")
        XCTAssertThrowsError(try engine.signalProcess("signals", pid: target.pid, signal: SIGTERM), "an exited process is refused")
    }

    func testExitCodesPropagate() {
        XCTAssertEqual(cli.run(["exec", "target", "sh", "-c", "exit 42"]).status, 42)
        let missing = cli.run(["exec", "target", "nosuchcommand"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertEqual(missing.stderr, "berth: executable file not found in the container: nosuchcommand\n")
        XCTAssertEqual(cli.run(["exec", "target", "/etc/passwd"]).status, 126)
        let killed = cli.run(["exec", "target", "sh", "-c", "kill -9 $$"])
        XCTAssertEqual(killed.status, 137)
    }

    func testUserEnvAndWorkdir() {
        let r = cli.run(["exec", "-u", "nobody", "-e", "GREETING=hi", "-w", "/tmp", "target", "sh", "-c", "id -u; echo $GREETING; pwd"])
        XCTAssertEqual(r.stdout, "65534\nhi\n/tmp\n", r.stderr)
        XCTAssertEqual(cli.run(["exec", "-u", "nosuchuser", "target", "true"]).status, 125)
        XCTAssertEqual(cli.run(["exec", "-w", "/no/such/dir", "target", "true"]).status, 126)
    }

    func testInteractiveStdin() {
        let r = cli.run(["exec", "-i", "target", "sh", "-c", "read line; echo got:$line"], stdin: "hello\n")
        XCTAssertEqual(r.stdout, "got:hello\n", r.stderr)
        let closed = cli.run(["exec", "target", "sh", "-c", "read line || echo no-stdin"], stdin: "hello\n")
        XCTAssertEqual(closed.stdout, "no-stdin\n", "without -i stdin is /dev/null")
    }

    func testTTYInTmuxHasThePaneSize() throws {
        let tmux = try Tmux(socket: "berth-exec-\(getpid())")
        defer { tmux.killServer() }
        try tmux.newSession(columns: 91, rows: 27, command:
            "\(BerthCLI.binary) --root \(cli.root) exec -it target sh; echo EXIT=$?; sleep 30")
        XCTAssertTrue(cli.eventually { tmux.screen().contains("#") })
        tmux.keys("tty; stty size; exit 5", "Enter")
        XCTAssertTrue(cli.eventually { tmux.screen().contains("EXIT=") })
        let screen = tmux.screen()
        XCTAssertTrue(screen.contains("/dev/pts/0"), screen)
        XCTAssertTrue(screen.contains("27 91"), screen)
        XCTAssertTrue(screen.contains("EXIT=5"), screen)
    }

    func testExecIntoStoppedOrUnknownContainerFails() {
        XCTAssertEqual(cli.run(["create", "--name", "idle", "busybox", "true"]).status, 0)
        let stopped = cli.run(["exec", "idle", "true"])
        XCTAssertEqual(stopped.status, 125)
        XCTAssertEqual(stopped.stderr, "berth: container idle is not running\n")
        XCTAssertEqual(cli.run(["exec", "nosuchcontainer", "true"]).status, 125)
        XCTAssertEqual(cli.run(["rm", "idle"]).status, 0)
    }

    func testExecFailsCleanlyWhenThePidsLimitIsReached() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "full", "--pids-limit", "3", "busybox", "sh", "-c",
                                "sleep 100 & sleep 100 & wait"]).status, 0)
        XCTAssertTrue(try cli.eventually {
            let stats = try cli.json(["stats", "--no-stream", "--json", "full"]) as? [[String: Any]]
            return stats?.first?["pids"] as? Int == 3
        })
        let r = cli.run(["exec", "full", "true"])
        XCTAssertEqual(r.status, 126, r.stderr)
        XCTAssertTrue(r.stderr.contains("pids limit"), r.stderr)
        let stats = try XCTUnwrap(try cli.json(["stats", "--no-stream", "--json", "full"]) as? [[String: Any]])
        XCTAssertEqual(stats.first?["pids"] as? Int, 3, "no stray process left in the container's cgroup")
        XCTAssertEqual(cli.run(["rm", "-f", "full"]).status, 0)
    }
}
