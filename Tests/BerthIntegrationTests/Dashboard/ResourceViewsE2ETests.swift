import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The images (`5`), volumes (`6`) and networks (`7`) views against a real root, in tmux: they
/// list what `berth images`, `volume ls` and `network ls` list, `d` removes an unused volume
/// (checked with `berth volume ls`), one in use is refused, and `1` comes back. Needs root and tmux.
///
///     swift build --build-tests
///     swift test --skip-build --filter ResourceViewsE2ETests
final class ResourceViewsE2ETests: OneTmuxDashboardCase {
    override class var rootLabel: String { "resviews-e2e" }


    func volumeNames() -> [String] {
        berth.run(["volume", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
    }

    /// `P`: the selection's processes, live from its cgroup; `x` asks, then ends one of them and
    /// the list drops it while the container keeps running.
    func testPListsTheProcessesAndXEndsOne() throws {
        // The sleeper's command line (sleep 1001) is not a substring of the init's.
        try berth.start("e2e-procs", "s=1000; sleep $((s + 1)) & trap 'exit 0' TERM; while true; do sleep 0.2; done", extra: Self.noNetwork)
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the row") { E2ERow("e2e-procs", in: $0) != nil })
        tmux.keys("P")
        XCTAssertNotNil(waitFor("the processes with their commands") { s in
            s.contains("Processes e2e-procs") && s.contains("sleep 1001") && s.contains("COMMAND") && !s.contains("1 Containers")
        })
        // The first row is the init (lowest PID); the sleeper is its child, on the second row.
        tmux.keys("j", "x")
        XCTAssertNotNil(waitFor("the question naming the process") { $0.contains("Send SIGTERM to process") && $0.contains("(sleep 1001) in e2e-procs?") })
        tmux.keys("y")
        XCTAssertNotNil(waitFor("the process gone from the list") { s in
            // (The status line "sent SIGTERM …" may have expired by the time a loaded machine polls.)
            !s.contains("sleep 1001") && s.contains("Processes e2e-procs") && s.contains("while true")
        })
        XCTAssertEqual(try berth.status("e2e-procs"), "running")
        tmux.keys("Escape")
        XCTAssertNotNil(waitFor("the containers again") { E2ERow("e2e-procs", in: $0) != nil })
    }

    /// `u`: the command line filled with the selection's limits; edited and entered, the running
    /// container's cgroup files change (the engine's update path, as `berth update`).
    func testUEditsTheLimitsOfARunningContainer() throws {
        try berth.start("e2e-limits", Self.idleLoop, extra: Self.noNetwork + ["-m", "64m", "--pids-limit", "50"])
        let pid = try XCTUnwrap((try berth.containers()["e2e-limits"]?["state"] as? [String: Any])?["pid"] as? Int, "the init's pid")
        let memoryFile = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: "memory", v1: "memory.limit_in_bytes", v2: "memory.max"))
        let pidsFile = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: "pids", v1: "pids.max", v2: "pids.max"))
        func read(_ path: String) -> String { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(read(memoryFile), String(64 << 20))
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the row") { E2ERow("e2e-limits", in: $0) != nil })
        tmux.keys("u")
        XCTAssertNotNil(waitFor("the command line with today's limits") { $0.contains(":update e2e-limits memory=64m cpus= pids=50") })
        for _ in 0..<"64m cpus= pids=50".count { tmux.keys("BSpace") }
        tmux.type("96m cpus= pids=80")
        tmux.keys("Enter")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, read(memoryFile) != String(96 << 20) || read(pidsFile) != "80" { usleep(200_000) }
        XCTAssertEqual(read(memoryFile), String(96 << 20), "the memory limit changed live")
        XCTAssertEqual(read(pidsFile), "80", "the pids limit changed live")
        XCTAssertEqual(try berth.status("e2e-limits"), "running")
    }

    func testTheViewsListTheRootsResourcesAndRemoveAnUnusedVolume() throws {
        for v in ["e2e-vol-gone", "e2e-vol-keep"] {
            let r = berth.run(["volume", "create", v])
            XCTAssertEqual(r.status, 0, r.both)
        }
        defer { berth.run(["volume", "rm", "e2e-vol-gone"]); berth.run(["volume", "rm", "e2e-vol-keep"]) }
        try berth.start("e2e-vol-user", Self.idleLoop, extra: Self.noNetwork + ["-v", "e2e-vol-keep:/data"])
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the row") { E2ERow("e2e-vol-user", in: $0) != nil })

        tmux.keys("6")
        XCTAssertNotNil(waitFor("the volumes, with who uses them") { s in
            s.contains("6 Volumes 2") && s.contains("e2e-vol-gone") && s.contains("1  e2e-vol-user") && !s.contains("1 Containers")
        })
        // In use: refused at once, nothing asked.
        tmux.keys("G", "d")
        XCTAssertNotNil(waitFor("the refusal") { $0.contains("volume e2e-vol-keep is used by 1 container") })
        // Unused: asked, then removed, and the view reads the volumes again.
        tmux.keys("g", "d")
        XCTAssertNotNil(waitFor("the question") { $0.contains("Remove volume e2e-vol-gone?") })
        tmux.keys("y")
        XCTAssertNotNil(waitFor("the volume gone from the view") { s in
            s.contains("6 Volumes 1") && !s.contains("e2e-vol-gone") && s.contains("e2e-vol-keep")
        })
        XCTAssertEqual(volumeNames(), ["e2e-vol-keep"])

        tmux.keys("5")
        XCTAssertNotNil(waitFor("the images, busybox used by the container") { s in
            s.contains("5 Images") && s.range(of: "busybox:latest +[0-9a-f]{12} .* 1 +│", options: .regularExpression) != nil
        })
        tmux.keys("7")
        XCTAssertNotNil(waitFor("the networks, the default bridge first") { s in
            s.contains("7 Networks") && s.range(of: "│ bridge +[0-9.]+/[0-9]+ ", options: .regularExpression) != nil
        })
        // s here acts on no container.
        tmux.keys("s", "1")
        XCTAssertNotNil(waitFor("the containers view") { s in s.contains("1 Containers") && E2ERow("e2e-vol-user", in: s) != nil })
        XCTAssertEqual(try berth.status("e2e-vol-user"), "running", "s in the networks view stopped nothing")
        tmux.keys("q")
    }

    /// `i` shows the engine's inspect document of the selection (docker's keys, sorted: `Args`
    /// is on its first screen); `/` finds its label in it.
    func testInspectShowsTheContainersDocumentAndSearches() throws {
        try berth.start("e2e-insp", Self.idleLoop, extra: Self.noNetwork + ["--label", "e2e.mark=findme"])
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the row") { E2ERow("e2e-insp", in: $0) != nil })
        tmux.keys("i")
        XCTAssertNotNil(waitFor("the document") { s in
            s.contains("Inspect e2e-insp") && s.range(of: "\"Args\" ?: \\[", options: .regularExpression) != nil
        })
        tmux.keys("/")
        tmux.type("findme")
        tmux.keys("Enter")
        XCTAssertNotNil(waitFor("the label found") { s in s.contains("match 1 of 1") && s.contains("findme") })
        tmux.keys("Escape")
        XCTAssertNotNil(waitFor("the containers view") { s in s.contains("1 Containers") })
        tmux.keys("q")
    }
}
