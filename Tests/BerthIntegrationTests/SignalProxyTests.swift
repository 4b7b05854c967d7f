import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// docker's `--sig-proxy`: a SIGTERM to an attached `berth` (no terminal) reaches the container's
/// process, whose trap runs, and `berth` exits with the container's code; `--sig-proxy=false`
/// lets `berth` go and the container runs on. `run` (output only, and `-i`), `start -a`, `attach`.
final class SignalProxyTests: ContainerTestCase {
    override class var rootLabel: String { "sigproxy" }

    /// A script that says it is ready, then waits; SIGTERM makes it print and exit 7.
    static let trapping = ["busybox", "sh", "-c", "trap 'echo got-TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done"]

    /// `berth ARGS` in the background, its output (stdout and stderr) in a file, its pid the berth
    /// process's own. `openStdin`: stdin is a FIFO opened read-write, so it never ends nor sends.
    private func spawn(_ args: [String], openStdin: Bool = false) throws -> (child: TestChild, output: () -> String) {
        let dir = try scratchDirectory(self, "sigproxy")
        let tag = UUID().uuidString.prefix(6)
        let out = dir + "/out-\(tag)", fifo = dir + "/in-\(tag)"
        if openStdin { XCTAssertEqual(mkfifo(fifo, 0o600), 0) }
        let script = "exec \"$@\" > \(out) 2>&1 " + (openStdin ? "<> \(fifo)" : "< /dev/null")
        let child = try TestChild.spawn(["/bin/sh", "-c", script, "sh", BerthCLI.binary, "--root", cli.root,
                                         "--cgroup-parent", cli.cgroupParent] + args)
        return (child, { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" })
    }

    /// Waits for `child` to exit (it never reaches another process: it is ours until reaped).
    private func exitStatus(_ child: TestChild, timeout: Double = 30) -> Int32? {
        var status: Int32 = 0
        var done = false
        _ = cli.eventually(timeout: timeout) {
            done = waitpid(child.pid, &status, WNOHANG) == child.pid
            return done
        }
        guard done else { child.kill(); return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private func terminateWhenReady(_ run: (child: TestChild, output: () -> String)) {
        XCTAssertTrue(cli.eventually(timeout: 20) { run.output().contains("ready\n") }, run.output())
        XCTAssertEqual(kill(run.child.pid, SIGTERM), 0)
    }

    func testATermToAnAttachedRunReachesTheContainersTrap() throws {
        let run = try spawn(["run", "--name", "sp-run"] + Self.trapping)
        terminateWhenReady(run)
        XCTAssertEqual(exitStatus(run.child), 7, "berth exits with the container's code: \(run.output())")
        XCTAssertEqual(run.output(), "ready\ngot-TERM\n")
        XCTAssertEqual(try cli.state("sp-run")["ExitCode"] as? Int, 7)
        XCTAssertEqual(cli.run(["rm", "sp-run"]).status, 0)
    }

    func testWithSigProxyFalseBerthLeavesAndTheContainerRunsOn() throws {
        let run = try spawn(["run", "--sig-proxy=false", "--name", "sp-off"] + Self.trapping)
        terminateWhenReady(run)
        XCTAssertEqual(exitStatus(run.child), 128 + SIGTERM, "berth itself ends: \(run.output())")
        XCTAssertFalse(run.output().contains("got-TERM"), run.output())
        XCTAssertEqual(try cli.state("sp-off")["Running"] as? Bool, true, "the container was not signalled")
        XCTAssertFalse(cli.run(["logs", "sp-off"]).stdout.contains("got-TERM"))
        XCTAssertEqual(cli.run(["rm", "-f", "sp-off"]).status, 0)
    }

    func testInteractiveRunStartAttachedAndAttachProxyToo() throws {
        let interactive = try spawn(["run", "-i", "--name", "sp-i"] + Self.trapping, openStdin: true)
        terminateWhenReady(interactive)
        XCTAssertEqual(exitStatus(interactive.child), 7, interactive.output())
        XCTAssertTrue(interactive.output().hasSuffix("got-TERM\n"), interactive.output())

        XCTAssertEqual(cli.run(["create", "--name", "sp-start"] + Self.trapping).status, 0)
        let started = try spawn(["start", "-a", "sp-start"])
        terminateWhenReady(started)
        XCTAssertEqual(exitStatus(started.child), 7, started.output())
        XCTAssertEqual(started.output(), "ready\ngot-TERM\n")

        // attach shows what follows only: a ticking script, so its output says when it is connected.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "sp-attach", "busybox", "sh", "-c",
                                "trap 'echo got-TERM; exit 7' TERM; while true; do echo tick; sleep 0.2; done"]).status, 0)
        let attached = try spawn(["attach", "sp-attach"])
        XCTAssertTrue(cli.eventually(timeout: 20) { attached.output().contains("tick\n") }, attached.output())
        XCTAssertEqual(kill(attached.child.pid, SIGTERM), 0)
        XCTAssertEqual(exitStatus(attached.child), 7, attached.output())
        XCTAssertTrue(attached.output().hasSuffix("got-TERM\n"), attached.output())
        XCTAssertEqual(try cli.state("sp-attach")["ExitCode"] as? Int, 7)

        let bad = cli.run(["run", "--sig-proxy=maybe", "busybox", "true"])
        assertOneLine(bad, status: 125, saying: "invalid --sig-proxy 'maybe': expected true or false")
        XCTAssertEqual(cli.run(["rm", "sp-i", "sp-start", "sp-attach"]).status, 0)
    }
}
