import BerthOS
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// runc's status rule through berth-runc (RuncStatusRule; its every case is in RuncStatusRuleTests):
/// an init that has exited but that its parent — the caller's subreaper, as conmon and
/// containerd-shim are — has not reaped yet is `stopped`, as runc says from the 'Z' in /proc/PID/stat.
extension RuncCLITests {
    /// A subreaper that creates and starts the container, says so in READY, and reaps nothing until
    /// RELEASE exists (then everything, and exits). python3 because the subreaper must be a process of
    /// its own: made of the test process, it would collect every orphan of every later test.
    static let lazySubreaper = """
        import ctypes, os, subprocess, sys, time
        if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
            sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
        runc, root, bundle, cid, pidfile, ready, release = sys.argv[1:8]
        for verb in (["create", "--bundle", bundle, "--pid-file", pidfile, cid], ["start", cid]):
            r = subprocess.run([runc, "--root", root] + verb, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            if r.returncode != 0:
                sys.exit("berth-runc %s exited %d" % (verb[0], r.returncode))
        open(ready, "w").close()
        deadline = time.time() + 60
        while not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.01)
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
        """

    func testAnInitItsParentHasNotReapedIsStopped() throws {
        let python = try Prerequisite.requireTool("python3")
        let b = try bundle("z1", args: ["true"])
        let pidFile = scope.path + "/z1.pid", ready = scope.path + "/z1.ready", release = scope.path + "/z1.release"
        let reaper = try TestChild.spawn([python, "-c", Self.lazySubreaper, Self.binary, stateRoot, b, "z1", pidFile, ready, release])
        var reaperStatus: Int32?
        func finishReaper() -> Int32 {
            if let reaperStatus { return reaperStatus }
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            var st: Int32 = 0
            _ = waitpid(reaper.pid, &st, 0)
            reaperStatus = st
            return st
        }
        defer { _ = finishReaper() }

        // Until it is ready, or it has ended (a zombie of ours: not reaped until finishReaper).
        XCTAssertTrue(eventually { access(ready, F_OK) == 0 || ProcStat.entry(pid: reaper.pid)?.isZombie != false },
                      "the subreaper neither started the container nor ended")
        XCTAssertEqual(access(ready, F_OK), 0, "create or start failed under the subreaper (its stderr is above)")
        let pid = try XCTUnwrap(Int32(read(pidFile)), "no pid in --pid-file")
        // /bin/true exits at once; its parent, the subreaper, does not reap it.
        XCTAssertTrue(eventually { ProcStat.entry(pid: pid)?.isZombie == true }, "the init \(pid) did not become a zombie")
        let ppid = read("/proc/\(pid)/status").split(separator: "\n").first { $0.hasPrefix("PPid:") }.flatMap { Int32($0.split(separator: "\t").last ?? "") }
        XCTAssertEqual(ppid, reaper.pid, "the init's parent is not the caller's subreaper")

        let s = try state("z1")
        XCTAssertEqual(s["status"] as? String, "stopped", "a zombie init is stopped (runc's rule)")
        XCTAssertEqual(s["pid"] as? Int, 0)
        XCTAssertEqual(ProcStat.entry(pid: pid)?.isZombie, true, "still a zombie when state was asked: the case was the one meant")
        // Stopped, so a plain delete (no --force) removes it.
        let d = runc(["delete", "z1"])
        XCTAssertEqual(d.status, 0, d.stderr)

        let st = finishReaper()
        XCTAssertTrue(st & 0x7f == 0 && (st >> 8) & 0xff == 0, "the subreaper failed (wait status \(st))")
        XCTAssertNil(ProcStat.entry(pid: pid), "the subreaper reaped the init")
    }
}
