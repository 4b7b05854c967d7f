import BerthRuntime
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Real containers through the real `berth` binary. Needs root (CI is root).
final class ContainerLifecycleTests: ContainerTestCase {
    override class var rootLabel: String { "life" }

    func testRunPrintsOutputAndPropagatesExitCode() {
        let r = cli.run(["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7"])
        XCTAssertEqual(r.status, 7)
        XCTAssertEqual(r.stdout, "out\n")
        XCTAssertEqual(r.stderr, "err\n")
    }

    func testPID1IsTheCommandAndHostProcessesAreInvisible() {
        let r = cli.run(["run", "--rm", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "sh -c cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]' ")
        // sh, ls and grep at most: none of the host's hundreds of processes.
        XCTAssertLessThanOrEqual(Int(lines.last ?? "") ?? 99, 4)
    }

    func testHostnameEnvWorkdirAndUser() {
        let r = cli.run(["run", "--rm", "--name", "named-one", "-e", "GREETING=hi there", "-w", "/tmp/work", "-u", "nobody",
                         "busybox", "sh", "-c", "hostname; cat /etc/hostname; echo $GREETING; pwd; id -u; id -g"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "named-one\nnamed-one\nhi there\n/tmp/work\n65534\n65534\n")
        let h = cli.run(["run", "--rm", "--hostname", "custom", "busybox", "hostname"])
        XCTAssertEqual(h.stdout, "custom\n")
    }

    func testMountsAndNetworkAreIsolated() {
        let r = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c",
                         "grep -c . /proc/self/mountinfo; ls /sys/class/net; touch /sys/x 2>/dev/null && echo sys-writable; cat /proc/timer_list | wc -c; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo sys-ro"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertLessThan(Int(lines[0]) ?? 999, 40, "the container sees only its own mounts")
        XCTAssertEqual(lines[1], "lo", "a --network none container has only loopback")
        XCTAssertFalse(r.stdout.contains("sys-writable"))
        XCTAssertEqual(lines[2], "0", "/proc/timer_list is masked")
        XCTAssertEqual(lines.last, "sys-ro")
    }

    func testSecurityDefaults() {
        let r = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c",
                         "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; mknod /tmp/x c 1 3 2>/dev/null || echo no-mknod; hostname other 2>/dev/null || echo no-sethostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // docker's default capabilities less MKNOD: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
        // SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT AUDIT_WRITE SETFCAP.
        XCTAssertTrue(r.stdout.contains("CapEff:\t00000000a00425fb"), r.stdout)
        XCTAssertTrue(r.stdout.contains("CapBnd:\t00000000a00425fb"), r.stdout)
        XCTAssertTrue(r.stdout.contains("NoNewPrivs:\t1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Seccomp:\t2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("no-mknod"))
        XCTAssertTrue(r.stdout.contains("no-sethostname"))
    }

    func testImageIsNotChangedByContainers() {
        XCTAssertEqual(cli.run(["run", "--rm", "busybox", "sh", "-c", "rm /bin/ls; echo x > /etc/changed"]).status, 0)
        let r = cli.run(["run", "--rm", "busybox", "sh", "-c", "test -e /bin/ls && test ! -e /etc/changed && echo pristine"])
        XCTAssertEqual(r.stdout, "pristine\n", r.stderr)
    }

    func testDetachedContainerStopsAfterTimeoutWhenItIgnoresSIGTERM() throws {
        let id = cli.run(["run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 1; done"])
        XCTAssertEqual(id.status, 0, id.stderr)
        XCTAssertEqual(try cli.state("stubborn")["Status"] as? String, "running")
        let start = Date()
        let stop = cli.run(["stop", "-t", "1", "stubborn"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.9, "it waited for the timeout")
        let state = try cli.state("stubborn")
        XCTAssertEqual(state["Status"] as? String, "exited")
        XCTAssertEqual(state["ExitCode"] as? Int, 137)
        XCTAssertEqual(try cli.berthKeys("stubborn")["Signal"] as? Int, 9)
        XCTAssertEqual(cli.run(["rm", "stubborn"]).status, 0)
    }

    func testStopFinishesEvenWhenItsCallerIsKilled() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "orphan-stop", "--network", "none", "busybox", "sh", "-c",
                                "trap 'echo got-term' TERM; while true; do sleep 0.2; done"]).status, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "stop", "-t", "2", "orphan-stop"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill the caller once the stop has begun: the container's trap logged the TERM.
        XCTAssertTrue(cli.eventually(timeout: 20) { cli.run(["logs", "orphan-stop"]).stdout.contains("got-term") }, "the TERM arrived")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // The supervisor took over the grace period and sends SIGKILL when it ends.
        XCTAssertTrue(try cli.eventually(timeout: 6) { (try cli.state("orphan-stop")["Status"] as? String) == "exited" })
        XCTAssertEqual(try cli.berthKeys("orphan-stop")["Signal"] as? Int, 9)
        XCTAssertEqual(cli.run(["rm", "orphan-stop"]).status, 0)
    }

    func testStopRestartAndStartAgain() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "cycler", "busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]).status, 0)
        XCTAssertEqual(cli.run(["stop", "cycler"]).status, 0)
        XCTAssertEqual(try cli.state("cycler")["ExitCode"] as? Int, 0, "the TERM handler ran")
        XCTAssertEqual(cli.run(["start", "cycler"]).status, 0)
        XCTAssertEqual(try cli.state("cycler")["Status"] as? String, "running")
        let firstPid = try cli.state("cycler")["Pid"] as? Int
        XCTAssertEqual(cli.run(["restart", "-t", "2", "cycler"]).status, 0)
        let secondPid = try cli.state("cycler")["Pid"] as? Int
        XCTAssertNotNil(secondPid)
        XCTAssertNotEqual(firstPid, secondPid)
        XCTAssertEqual(cli.run(["rm", "cycler"]).status, 1, "a running container is not removed without -f")
        XCTAssertEqual(cli.run(["rm", "-f", "cycler"]).status, 0)
        XCTAssertNotEqual(cli.run(["inspect", "cycler"]).status, 0)
    }

    func testKillSendsTheSignal() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "killme", "busybox", "sh", "-c", "trap 'echo got-usr1; exit 5' USR1; echo ready; while true; do sleep 0.1; done"]).status, 0)
        // The trap is installed once the container says so.
        XCTAssertTrue(cli.eventually(timeout: 20) { cli.run(["logs", "killme"]).stdout == "ready\n" })
        XCTAssertEqual(cli.run(["kill", "-s", "USR1", "killme"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "killme"]).stdout, "5\n")
        XCTAssertEqual(cli.run(["logs", "killme"]).stdout, "ready\ngot-usr1\n")
        XCTAssertEqual(cli.run(["rm", "killme"]).status, 0)
    }

    func testMemoryHogIsOOMKilledAndReported() throws {
        let r = cli.run(["run", "--name", "hog", "-m", "32m", "--memory-swap", "32m", "busybox", "sh", "-c",
                         "exec dd if=/dev/zero of=/dev/null bs=100M count=1"])
        XCTAssertEqual(r.status, 137, r.stderr)
        let state = try cli.state("hog")
        XCTAssertEqual(state["OOMKilled"] as? Bool, true, "\(state) \(r.stderr)")
        XCTAssertEqual(try cli.berthKeys("hog")["Signal"] as? Int, 9)
        XCTAssertEqual(cli.run(["rm", "hog"]).status, 0)
    }

    func testPidsLimitHolds() {
        // busybox sh gives up at the first failed fork; it counts each background sleep it started.
        let r = cli.run(["run", "--rm", "--pids-limit", "10", "busybox", "sh", "-c",
                         "i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); echo $i; done"])
        XCTAssertEqual(r.stdout.split(separator: "\n").last, "9", "the shell and 9 sleeps make the 10 allowed")
        XCTAssertTrue(r.stderr.contains("can't fork"), r.stderr)
    }

    func testLogsKeepOrderAndTimestamps() throws {
        XCTAssertEqual(cli.run(["run", "--name", "logger", "busybox", "sh", "-c",
                                "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; printf partial"]).status, 0)
        let all = cli.run(["logs", "logger"])
        XCTAssertEqual(all.stdout, "one\nthree\npartial\n")
        XCTAssertEqual(all.stderr, "two\n")
        let tail = cli.run(["logs", "--tail", "2", "logger"])
        XCTAssertEqual(tail.stdout, "three\npartial\n")
        let stamped = cli.run(["logs", "-t", "logger"]).stdout.split(separator: "\n")
        XCTAssertEqual(stamped.count, 3)
        XCTAssertTrue(stamped[0].hasSuffix(" one"))
        XCTAssertTrue(stamped[0].first == "2" && stamped[0].contains("T") && stamped[0].contains("Z "))
        let raw = try String(contentsOfFile: try XCTUnwrap(try cli.inspect("logger")["LogPath"] as? String), encoding: .utf8)
        let records = raw.split(separator: "\n")
        XCTAssertEqual(records.count, 4)
        XCTAssertTrue(records[1].contains(" stderr F two"), String(records[1]))
        let stamps = records.map { String($0.prefix(30)) }
        XCTAssertEqual(stamps, stamps.sorted(), "timestamps increase in file order")
        XCTAssertEqual(cli.run(["logs", "--since", "1h", "logger"]).stdout, "one\nthree\npartial\n")
        XCTAssertEqual(cli.run(["logs", "--since", "2099-01-01T00:00:00Z", "logger"]).stdout, "")
        XCTAssertEqual(cli.run(["rm", "logger"]).status, 0)
    }

    /// The supervisor cuts a line at 16 KiB into P records; every reader shows it as one line.
    func testALongLineIsOneLineInLogsTailAndTheEnginesTail() throws {
        let long = String(repeating: "x", count: 20_000)
        let script = "awk 'BEGIN { for (i = 0; i < 20000; i++) printf \"x\"; print \"\" }'; echo after"
        let run = cli.run(["run", "--name", "longline", "busybox", "sh", "-c", script])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, long + "\nafter\n")
        XCTAssertEqual(cli.run(["logs", "longline"]).stdout, long + "\nafter\n")
        XCTAssertEqual(cli.run(["logs", "--tail", "2", "longline"]).stdout, long + "\nafter\n")
        XCTAssertEqual(cli.run(["logs", "--tail", "1", "longline"]).stdout, "after\n", "the long line counts once")
        let stamped = cli.run(["logs", "-t", "longline"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(stamped.count, 2)
        XCTAssertEqual(stamped.first?.split(separator: " ").last.map(String.init), long, "one timestamp for the whole line")
        // --since/--until take the timestamps -t prints (RFC 3339 with nanoseconds), inclusively.
        let afterStamp = try XCTUnwrap(stamped.last?.split(separator: " ").first.map(String.init))
        XCTAssertEqual(cli.run(["logs", "--since", afterStamp, "longline"]).stdout, "after\n")
        XCTAssertEqual(cli.run(["logs", "--until", afterStamp, "--tail", "1", "longline"]).stdout, "after\n")
        XCTAssertEqual(cli.run(["logs", "--until", "2000-01-01T00:00:00Z", "longline"]).stdout, "")
        XCTAssertEqual(cli.run(["logs", "--since", "1h", "--until", "2099-01-01T00:00:00Z", "longline"]).stdout, long + "\nafter\n")
        let bad = cli.run(["logs", "--until", "2026-02-30T00:00:00Z", "longline"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("invalid timestamp"), bad.stderr)
        // What the dashboard's logs pane and library users get.
        let engine = try Engine(options: EngineOptions(root: cli.root, cgroupParent: cli.cgroupParent))
        XCTAssertEqual(try engine.tailLogs("longline", limit: 5).map(\.text), [long, "after"])
        XCTAssertEqual(cli.run(["rm", "longline"]).status, 0)
    }

    /// Numbers too big for the types behind them are values, not traps: a `--since` far in the past
    /// shows everything, a `stop -t` past ten years is ten years (the container here ends on TERM).
    func testHugeDurationsAreClampedNotTrapped() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "huge", "--network", "none", "busybox", "sh", "-c",
                                "trap 'exit 0' TERM; echo hello; sleep 600 & wait"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 10) { self.cli.run(["logs", "huge"]).stdout == "hello\n" })
        let since = cli.run(["logs", "--since", "99999999999999999999s", "huge"])
        XCTAssertEqual(since.status, 0, since.stderr)
        XCTAssertEqual(since.stdout, "hello\n")
        let stop = cli.run(["stop", "-t", "99999999999999999", "huge"])
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try cli.state("huge")["ExitCode"] as? Int, 0)
        XCTAssertEqual(cli.run(["rm", "huge"]).status, 0)
    }

    /// pidfds this process holds (each supervisor a listing has seen alive is watched through one).
    private func pidfdCount() -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == "anon_inode:[pidfd]" }.count
    }

    /// A long-lived engine (the dashboard) lets go of the supervisor pidfds of containers that another
    /// process removed: nothing would ask about them again, so only the next listing can close them.
    func testAListingReleasesThePidfdsOfContainersRemovedElsewhere() throws {
        let engine = try Engine(options: EngineOptions(root: cli.root, cgroupParent: cli.cgroupParent))
        let before = pidfdCount()
        for i in 1...3 {
            XCTAssertEqual(cli.run(["run", "-d", "--name", "watched-\(i)", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        }
        XCTAssertEqual(try engine.list(all: false).filter { $0.name.hasPrefix("watched-") }.count, 3)
        XCTAssertEqual(pidfdCount(), before + 3, "one watch per running supervisor")
        XCTAssertEqual(cli.run(["rm", "-f", "watched-1", "watched-2", "watched-3"]).status, 0)
        XCTAssertEqual(try engine.list(all: true).filter { $0.name.hasPrefix("watched-") }.count, 0)
        XCTAssertEqual(pidfdCount(), before, "the removed containers' pidfds are closed")
    }

    func testLogsFollowSeesNewLines() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "follower", "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done"]).status, 0)
        let r = cli.run(["logs", "-f", "follower"], timeout: 20)
        XCTAssertEqual(r.stdout, "line1\nline2\nline3\n")
        XCTAssertEqual(cli.run(["rm", "follower"]).status, 0)
    }

    func testRestartOnFailureRestartsThreeTimes() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "flaky", "--restart", "on-failure:3", "busybox", "sh", "-c", "echo attempt; exit 2"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "flaky"], timeout: 30).stdout, "2\n")
        let flaky = try cli.inspect("flaky")
        XCTAssertEqual(flaky["RestartCount"] as? Int, 3)
        XCTAssertEqual((flaky["State"] as? [String: Any])?["Status"] as? String, "exited")
        XCTAssertEqual(cli.run(["logs", "flaky"]).stdout, String(repeating: "attempt\n", count: 4))
        XCTAssertEqual(cli.run(["rm", "flaky"]).status, 0)
    }

    func testAlwaysRestartsUntilStopped() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "phoenix", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 0"]).status, 0)
        XCTAssertTrue(try cli.eventually(timeout: 10) { (try cli.inspect("phoenix")["RestartCount"] as? Int ?? 0) >= 2 })
        let shim = try XCTUnwrap(try cli.berthKeys("phoenix")["ShimPid"] as? Int)
        XCTAssertEqual(cli.run(["stop", "phoenix"]).status, 0)
        let count = try cli.inspect("phoenix")["RestartCount"] as? Int
        // Restarts are the supervisor's; once it has exited none can follow.
        XCTAssertTrue(cli.eventually(timeout: 20) { kill(pid_t(shim), 0) != 0 }, "the supervisor exits after a user stop")
        XCTAssertEqual(try cli.state("phoenix")["Status"] as? String, "exited")
        XCTAssertEqual(try cli.inspect("phoenix")["RestartCount"] as? Int, count, "no restart after a user stop")
        XCTAssertEqual(cli.run(["rm", "phoenix"]).status, 0)
    }

    func testRmFlagRemovesTheContainer() {
        let r = cli.run(["run", "--rm", "--name", "ephemeral", "busybox", "true"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(cli.run(["ps", "-a"]).stdout.contains("ephemeral"))
        let d = cli.run(["run", "-d", "--rm", "--name", "ephemeral-d", "busybox", "sleep", "0.2"])
        XCTAssertEqual(d.status, 0)
        XCTAssertTrue(cli.eventually { !cli.run(["ps", "-a"]).stdout.contains("ephemeral-d") })
    }

    func testKilledCLILeavesTheContainerRunning() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BerthCLI.binary)
        p.arguments = ["--root", cli.root, "--cgroup-parent", cli.cgroupParent, "run", "--name", "orphan", "busybox", "sleep", "30"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        XCTAssertTrue(cli.eventually { (try? cli.state("orphan")["Status"] as? String) == "running" })
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // The supervisor still serves the container: an exec runs in it.
        XCTAssertEqual(cli.run(["exec", "orphan", "true"]).status, 0)
        XCTAssertEqual(try cli.state("orphan")["Status"] as? String, "running")
        XCTAssertEqual(cli.run(["rm", "-f", "orphan"]).status, 0)
    }

    func testDeadSupervisorIsShownAsDead() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "orphaned", "busybox", "sleep", "30"]).status, 0)
        let shim = try XCTUnwrap(try cli.berthKeys("orphaned")["ShimPid"] as? Int)
        let pid = try XCTUnwrap(try cli.state("orphaned")["Pid"] as? Int)
        // SIGKILL leaves the supervisor no chance to record anything.
        kill(pid_t(shim), SIGKILL)
        XCTAssertTrue(try cli.eventually { (try cli.state("orphaned")["Status"] as? String) == "dead" })
        kill(pid_t(pid), SIGKILL)
        XCTAssertEqual(cli.run(["rm", "-f", "orphaned"]).status, 0)
    }

    func testCgroupLimitsAreApplied() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "limited", "-m", "48m", "--cpus", "0.5", "--pids-limit", "33", "busybox", "sleep", "30"]).status, 0)
        let pid = try XCTUnwrap(try cli.state("limited")["Pid"] as? Int)
        let cgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        // v1: the memory hierarchy's line; v2 (no v1 memory line): the unified hierarchy's `0::`.
        let lines = cgroups.split(separator: "\n")
        let memLine = try XCTUnwrap(lines.first { $0.contains(":memory:") } ?? lines.first { $0.hasPrefix("0::") })
        XCTAssertTrue(memLine.contains("/" + cli.cgroupParent + "/"), "nested under the test's parent: \(memLine)")
        // Each limit in whichever file the host's layout has (v1 or v2), found from /proc/PID/cgroup.
        func setting(_ controller: String, v1: String, v2: String) throws -> String {
            let path = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: controller, v1: v1, v2: v2),
                                     "no \(v1) or \(v2) for the container")
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let quota = CgroupMount.controlFile(ofProcess: Int32(pid), controller: "cpu", v1: "cpu.cfs_quota_us", v2: "cpu.max"),
           quota.hasSuffix("cpu.cfs_quota_us") {
            XCTAssertEqual(try setting("cpu", v1: "cpu.cfs_quota_us", v2: "cpu.max"), "50000", "--cpus 0.5")
            XCTAssertEqual(try setting("cpu", v1: "cpu.cfs_period_us", v2: "cpu.max"), "100000")
        } else {
            XCTAssertEqual(try setting("cpu", v1: "cpu.cfs_quota_us", v2: "cpu.max"), "50000 100000", "--cpus 0.5")
        }
        XCTAssertEqual(try setting("memory", v1: "memory.limit_in_bytes", v2: "memory.max"), "50331648", "-m 48m")
        XCTAssertEqual(try setting("pids", v1: "pids.max", v2: "pids.max"), "33", "--pids-limit 33")
        let stats = try XCTUnwrap(try cli.json(["stats", "--no-stream", "--json"]) as? [[String: Any]])
        let row = try XCTUnwrap(stats.first { $0["name"] as? String == "limited" })
        XCTAssertEqual(row["memoryLimit"] as? Int, 50_331_648)
        XCTAssertEqual(row["pids"] as? Int, 1)
        XCTAssertGreaterThan(row["memoryUsage"] as? Int ?? 0, 0)
        XCTAssertEqual(cli.run(["rm", "-f", "limited"]).status, 0)
    }

    func testBadInputGivesOneLineErrorsAndLeavesNothing() throws {
        let missing = cli.run(["run", "--rm", "nosuchimage", "true"])
        XCTAssertEqual(missing.status, 125)
        // `--pull missing` (the default) tried docker.io first: still one line naming the image.
        XCTAssertTrue(missing.stderr.hasPrefix("berth: no such image: nosuchimage"), missing.stderr)
        XCTAssertEqual(missing.stderr.filter { $0 == "\n" }.count, 1, missing.stderr)
        let never = cli.run(["run", "--rm", "--pull", "never", "nosuchimage", "true"])
        XCTAssertEqual(never.stderr, "berth: no such image: nosuchimage\n")
        let notFound = cli.run(["run", "--name", "nf", "busybox", "/no/such/cmd"])
        XCTAssertEqual(notFound.status, 127, notFound.stderr)
        XCTAssertTrue(notFound.stderr.contains("/no/such/cmd"))
        let notFoundPath = cli.run(["run", "busybox", "nosuchcmd"])
        XCTAssertEqual(notFoundPath.status, 127, notFoundPath.stderr)
        let notExec = cli.run(["run", "busybox", "/etc/passwd"])
        XCTAssertEqual(notExec.status, 126, notExec.stderr)
        let badMem = cli.run(["run", "-m", "12x", "busybox", "true"])
        XCTAssertEqual(badMem.status, 125)
        XCTAssertTrue(badMem.stderr.contains("12x"))
        XCTAssertEqual(cli.run(["run", "-d", "--name", "dup", "busybox", "sleep", "10"]).status, 0)
        let dup = cli.run(["run", "--name", "dup", "busybox", "true"])
        XCTAssertEqual(dup.status, 125)
        XCTAssertEqual(dup.stderr, "berth: the container name 'dup' is already in use\n")
        let badUser = cli.run(["run", "-u", "nosuchuser", "busybox", "true"])
        XCTAssertEqual(badUser.status, 125)
        XCTAssertEqual(cli.run(["stop", "nosuchcontainer"]).status, 1)
        XCTAssertEqual(cli.run(["rm", "-f", "dup"]).status, 0)
        let left = try XCTUnwrap(try cli.json(["ps", "-a", "--json"]) as? [Any])
        XCTAssertEqual(left.count, 0, "failed runs left containers: \(left)")
    }

    func testImageInUseCannotBeRemoved() {
        XCTAssertEqual(cli.run(["image", "import-busybox", "--name", "bb2:test"]).status, 0)
        XCTAssertEqual(cli.run(["create", "--name", "user-of-bb2", "bb2:test", "true"]).status, 0)
        let refused = cli.run(["image", "rm", "bb2:test"])
        XCTAssertEqual(refused.status, 1, "a conflict, as docker's rmi")
        XCTAssertTrue(refused.stderr.contains("user-of-bb2"))
        XCTAssertEqual(cli.run(["rm", "user-of-bb2"]).status, 0)
        XCTAssertEqual(cli.run(["image", "rm", "bb2:test"]).status, 0)
        // `images -q NAME` lists that name's ids only (the plain listing's hex ids may contain "bb2").
        XCTAssertEqual(cli.run(["images", "-q", "bb2:test"]).stdout, "")
    }
}
