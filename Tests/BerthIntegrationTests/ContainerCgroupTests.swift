import Foundation
import Glibc
import XCTest
import BerthTestSupport

/// What the container's cgroup reports and refuses, through the berth binary: an OOM kill of any
/// process of the container (not only its init), and on v2 the refusal of limits under a parent
/// that does not delegate them. `CgroupV2LaneTests` runs this class on a real unified hierarchy.
final class ContainerCgroupTests: ContainerTestCase {
    override class var rootLabel: String { "cgroup" }

    func testAnOOMKillOfAHelperIsReportedForTheContainer() throws {
        // The init survives; dd, its child, is killed by the memory limit. docker reports the
        // container OOM-killed then too: the kernel's counter counts every process of the cgroup.
        let r = cli.run(["run", "--name", "helper-oom", "-m", "32m", "--memory-swap", "32m", "busybox", "sh", "-c",
                         "dd if=/dev/zero of=/dev/null bs=100M count=1; echo survived"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "survived\n", r.stderr)
        let state = try cli.state("helper-oom")
        XCTAssertEqual(state["OOMKilled"] as? Bool, true, "\(state)")
        XCTAssertEqual(state["ExitCode"] as? Int, 0, "\(state)")
        XCTAssertEqual(cli.run(["rm", "helper-oom"]).status, 0)
    }

    func testRmForceKillsWhatIsLeftInTheContainersCgroup() throws {
        // A process in the container's cgroup but outside its pid namespace (as an exec whose
        // supervisor died, or `--pid host`) outlives the init: `rm -f` kills it through the cgroup
        // (v2: cgroup.kill, v1: each pid of cgroup.procs) and leaves no cgroup behind.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "leaky", "busybox", "sleep", "300"]).status, 0)
        let initPid = try XCTUnwrap(try cli.state("leaky")["Pid"] as? Int)
        let procs = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(initPid), controller: "pids", v1: "cgroup.procs", v2: "cgroup.procs"))
        let stray = try TestChild.spawn(["/bin/sleep", "300"])
        var reaped = false
        defer { if !reaped { stray.kill() } }
        try String(stray.pid).write(toFile: procs, atomically: false, encoding: .utf8)
        XCTAssertTrue(try String(contentsOfFile: procs, encoding: .utf8).split(separator: "\n").contains(Substring(String(stray.pid))))

        let rm = cli.run(["rm", "-f", "leaky"])
        XCTAssertEqual(rm.status, 0, rm.stderr)
        // Bounded: a process rm -f missed would block a plain waitpid for 300 s.
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(20)
        while !reaped, Date() < deadline {
            reaped = waitpid(stray.pid, &status, WNOHANG) == stray.pid
            if !reaped { usleep(20_000) }
        }
        XCTAssertTrue(reaped, "rm -f left the stray process \(stray.pid) running")
        XCTAssertEqual(status & 0x7f, SIGKILL, "the stray process was killed, status \(status)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: (procs as NSString).deletingLastPathComponent), "the cgroup is gone")
    }

    func testLimitsUnderAParentThatDoesNotDelegateAreRefusedWithTheReason() throws {
        guard let current = Self.unifiedCgroupOfThisProcess() else {
            if ProcessInfo.processInfo.environment["BERTH_V2LANE"] != nil {
                try Prerequisite.unmet("the v2 lane's guest does not see cgroup v2 only")
            }
            throw XCTSkip("this host is not cgroup v2 only (v1 has no delegation); CgroupV2LaneTests runs this test in its v2 guest")
        }
        // Not Berth's and delegating nothing, as a systemd unit without Delegate=yes.
        let name = "berth-test-\(getpid())-foreign"
        let foreign = current + "/" + name
        XCTAssertEqual(mkdir(foreign, 0o755), 0, "mkdir \(foreign): errno \(errno)")
        defer { _ = rmdir(foreign + "/inner"); _ = rmdir(foreign) }
        let under = BerthCLI(root: cli.root, cgroupParent: name + "/inner")

        let refused = under.run(["run", "-d", "--name", "limited", "-m", "32m", "busybox", "sleep", "30"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("the cgroup \(foreign) does not delegate the memory controller"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--cgroup-parent"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, "one line: \(refused.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: foreign + "/inner"), "nothing is left of the refused start")
        // Without limits nothing needs delegating.
        let plain = under.run(["run", "--rm", "busybox", "echo", "ran"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, "ran\n")
    }

    /// This process's directory in the unified hierarchy when that is its only hierarchy (v2).
    static func unifiedCgroupOfThisProcess() -> String? {
        let dirs = CgroupMount.directories(ofProcess: getpid())
        guard dirs.count == 1, dirs[0].mount.isV2 else { return nil }
        return dirs[0].directory
    }
}
