import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `pause`/`unpause`, `rename` and `port` against real containers.
final class PauseRenamePortTests: ContainerTestCase {
    override class var rootLabel: String { "pause" }

    private func id(_ name: String) -> String {
        ((try? cli.inspect(name))?["Id"] as? String) ?? ""
    }

    private func count(_ id: String) -> Int {
        let text = (try? String(contentsOfFile: cli.root + "/containers/\(id)/upper/n", encoding: .utf8)) ?? ""
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Paused: the processes stop (a counter does not move while a running one would pass it many
    /// times), `ps` and `inspect` say so, exec is refused; unpaused they go on. The cgroup's own
    /// freezer state is checked, not only Berth's record.
    func testPauseFreezesAndUnpauseThaws() throws {
        let script = "i=0; while true; do i=$((i+1)); echo $i > /n; sleep 0.05; done"
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "ticker", "busybox", "sh", "-c", script]).status, 0)
        let cid = id("ticker")
        XCTAssertTrue(cli.eventually { count(cid) > 2 })

        let pause = cli.run(["pause", "ticker"])
        XCTAssertEqual(pause.status, 0, pause.stderr)
        XCTAssertEqual(pause.stdout, "ticker\n")
        let frozenFiles = cgroupFiles(cid, "freezer.state") + cgroupFiles(cid, "cgroup.freeze")
        XCTAssertFalse(frozenFiles.isEmpty, "the container has a freezer")
        for f in cgroupFiles(cid, "freezer.state") {
            XCTAssertEqual((try? String(contentsOfFile: f, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "FROZEN")
        }
        // v2 (the lane): cgroup.freeze asked for it and cgroup.events says the kernel got there.
        for f in cgroupFiles(cid, "cgroup.freeze") {
            XCTAssertEqual((try? String(contentsOfFile: f, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "1")
            let events = (f as NSString).deletingLastPathComponent + "/cgroup.events"
            XCTAssertTrue(((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("frozen 1"), events)
        }
        let state = try cli.state("ticker")
        XCTAssertEqual(state["Paused"] as? Bool, true)
        XCTAssertEqual(state["Status"] as? String, "paused", "docker's status of a paused container")
        XCTAssertEqual(state["Running"] as? Bool, true)
        XCTAssertTrue(cli.run(["ps"]).stdout.contains("(Paused)"))

        // Frozen: waiting on the container's own output is not possible, so wait for a sibling
        // container to advance its counter 10 times (at least 0.5 s) and check ours did not move.
        let at = count(cid)
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "clock", "busybox", "sh", "-c", script]).status, 0)
        let clock = id("clock")
        XCTAssertTrue(cli.eventually { count(clock) >= 10 })
        XCTAssertEqual(count(cid), at, "a paused container does not run")

        let exec = cli.run(["exec", "ticker", "true"], timeout: 20)
        XCTAssertNotEqual(exec.status, 0)
        XCTAssertTrue(exec.stderr.contains("paused"), exec.stderr)
        let again = cli.run(["pause", "ticker"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "berth: container ticker is already paused\n")

        XCTAssertEqual(cli.run(["unpause", "ticker"]).status, 0)
        XCTAssertTrue(cli.eventually { count(cid) > at + 2 }, "it runs again")
        for f in cgroupFiles(cid, "freezer.state") {
            XCTAssertEqual((try? String(contentsOfFile: f, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "THAWED")
        }
        for f in cgroupFiles(cid, "cgroup.freeze") {
            XCTAssertEqual((try? String(contentsOfFile: f, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "0")
            let events = (f as NSString).deletingLastPathComponent + "/cgroup.events"
            XCTAssertTrue(((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("frozen 0"), events)
        }
        XCTAssertEqual(try cli.state("ticker")["Paused"] as? Bool, false)
        let notPaused = cli.run(["unpause", "ticker"])
        XCTAssertEqual(notPaused.status, 1)
        XCTAssertEqual(notPaused.stderr, "berth: container ticker is not paused\n")
    }

    /// A paused container stops (SIGTERM reaches it after the thaw), is removed by rm -f, and
    /// its cgroups go with it (checked by the per-test host check).
    func testPausedContainersStopAndRemove() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "p1", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--network", "none", "--name", "p2", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["pause", "p1", "p2"]).status, 0)
        let stop = cli.run(["stop", "-t", "1", "p1"], timeout: 30)
        XCTAssertEqual(stop.status, 0, stop.stderr)
        XCTAssertEqual(try cli.state("p1")["Status"] as? String, "exited")
        XCTAssertEqual(cli.run(["start", "p1"]).status, 0)
        XCTAssertEqual(try cli.state("p1")["Paused"] as? Bool, false)
        let rm = cli.run(["rm", "-f", "p2"], timeout: 30)
        XCTAssertEqual(rm.status, 0, rm.stderr)
        let notRunning = cli.run(["pause", "nosuch"])
        XCTAssertEqual(notRunning.status, 1)
        XCTAssertEqual(notRunning.stderr.split(separator: "\n").count, 1)
    }

    /// rename: the new name resolves, the old one does not, the id and hostname stay; a taken or
    /// invalid name is refused; the running container's supervisor uses the new name in its events.
    func testRename() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "before", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "other", "busybox", "sleep", "600"]).status, 0)
        let cid = id("before")
        let since = String(format: "%.6f", Date().timeIntervalSince1970)
        let r = cli.run(["rename", "before", "after"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(id("after"), cid)
        XCTAssertEqual(cli.run(["inspect", "before"]).status, 1, "no such container: 1, as docker")
        XCTAssertEqual(cli.run(["exec", "after", "hostname"]).stdout, "before\n", "the hostname stays, as docker's")
        XCTAssertEqual(cli.lookup("other", "after").count, 1, "the new name resolves")

        let taken = cli.run(["rename", "after", "other"])
        XCTAssertEqual(taken.status, 1)
        XCTAssertEqual(taken.stderr, "berth: the container name 'other' is already in use\n")
        let bad = cli.run(["rename", "after", "../x"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(cli.run(["rename", "nosuch", "x1"]).status, 1)
        XCTAssertEqual(cli.run(["rename", "after"]).status, 125)

        XCTAssertEqual(cli.run(["kill", "after"]).status, 0)
        XCTAssertEqual(cli.run(["wait", "after"]).status, 0)
        let events = cli.run(["events", "--since", since, "--until", "0s", "--filter", "container=\(cid)", "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}"]).stdout
        XCTAssertEqual(events, "rename after before\nkill after <no value>\ndie after <no value>\n")
    }

    func testPort() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "web", "-p", "127.0.0.1:18481:80", "-p", "127.0.0.1:18482:81", "busybox", "sleep", "600"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "plain", "busybox", "sleep", "600"]).status, 0)
        let all = cli.run(["port", "web"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(all.stdout, "80/tcp -> 127.0.0.1:18481\n81/tcp -> 127.0.0.1:18482\n")
        XCTAssertEqual(cli.run(["port", "web", "81"]).stdout, "127.0.0.1:18482\n")
        XCTAssertEqual(cli.run(["port", "web", "80/tcp"]).stdout, "127.0.0.1:18481\n")
        XCTAssertEqual(cli.run(["port", "plain"]).stdout, "")
        let missing = cli.run(["port", "web", "82"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "berth: no public port '82/tcp' published for web\n")
        XCTAssertEqual(cli.run(["port", "web", "eighty"]).status, 125)
        XCTAssertEqual(cli.run(["port", "web", "80/sctp"]).status, 125)
        XCTAssertEqual(cli.run(["port", "nosuch"]).status, 1)
    }

    /// The container's cgroup files named `file`, in every hierarchy.
    private func cgroupFiles(_ id: String, _ file: String) -> [String] {
        let r = Subprocess.run("/usr/bin/find", ["/sys/fs/cgroup", "-path", "*\(id)/\(file)"])
        return r.stdout.split(separator: "\n").map(String.init)
    }
}
