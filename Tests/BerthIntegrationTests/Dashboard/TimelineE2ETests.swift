import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The dashboard's timeline against real containers, in tmux: a crash loop gets its `loop×N`
/// mark from the journal's events, and a child process killed for memory while PID 1 lives on
/// reaches the History facts from the cgroup's OOM counter. Needs root and tmux.
///
///     swift build --build-tests
///     swift test --skip-build --filter TimelineE2ETests
final class TimelineE2ETests: OneTmuxDashboardCase {
    override class var rootLabel: String { "timeline-e2e" }


    func testACrashLoopIsMarkedInTheTableAndTheDetail() throws {
        try berth.start("e2e-loop", "exit 1", extra: Self.noNetwork + ["--restart", "always"])
        try openDashboardShowingAll()
        // The supervisor's backoff starts at 100 ms and doubles: 3 restarts take under a second.
        let screen = try XCTUnwrap(waitFor("the loop mark on the row") { s in
            E2ERow("e2e-loop", in: s)?.line.contains("loop×") ?? false
        })
        XCTAssertTrue(screen.contains("crash-looping: "), "the detail says so:\n\(screen)")
        // Its history (the detail focused, scrolled to the end) has the exits, merged.
        tmux.keys("2", "G", "G")
        XCTAssertNotNil(waitFor("the repeated exit in the history") { s in
            s.range(of: "exit 1, restarted ×[0-9]+", options: .regularExpression) != nil
        })
        tmux.keys("q")
    }

    func testAChildKilledForMemoryAppearsInTheTimeline() throws {
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the dashboard") { $0.contains("1 Containers") })
        // PID 1 (sh) lives on; the subshell's dd asks for a 64 MiB buffer under an 8 MiB limit
        // (no swap here) and is killed. Then a limit change, which the history shows too.
        try berth.start("e2e-oom", "trap 'exit 0' TERM; (dd if=/dev/zero of=/dev/null bs=64M count=1); " + Self.idleLoop,
                        extra: Self.noNetwork + ["-m", "8m"])
        XCTAssertNotNil(waitFor("the OOM mark on the running row") { s in
            guard let row = E2ERow("e2e-oom", in: s) else { return false }
            return row.line.contains("OOM×") && !row.line.contains("exit")
        })
        let update = berth.run(["update", "-m", "16m", "e2e-oom"])
        XCTAssertEqual(update.status, 0, update.both)
        tmux.keys("2", "G", "G")
        let screen = try XCTUnwrap(waitFor("the child's OOM kill and the update in the history") { s in
            s.contains("child OOM-killed") && s.contains("updated memory 16M")
        })
        XCTAssertTrue(screen.contains("PID 1 lives on"), screen)
        XCTAssertEqual(try berth.status("e2e-oom"), "running", "PID 1 survived")
        tmux.keys("q")
    }

    /// `4` shows the journal live, newest first; `/` filters it; `1` goes back to the containers.
    func testTheEventsViewFollowsTheJournalAndSwitchesBack() throws {
        try berth.start("e2e-ev-a", Self.idleLoop, extra: Self.noNetwork)
        try openDashboardShowingAll()
        XCTAssertNotNil(waitFor("the row") { E2ERow("e2e-ev-a", in: $0) != nil })
        tmux.keys("4")
        XCTAssertNotNil(waitFor("the replayed events") { s in
            s.contains("4 Events") && s.range(of: "create +e2e-ev-a", options: .regularExpression) != nil
                && s.range(of: "start +e2e-ev-a", options: .regularExpression) != nil && !s.contains("1 Containers")
        })
        // Live: a container started now appears at the top without a key press.
        try berth.start("e2e-ev-b", Self.idleLoop, extra: Self.noNetwork)
        let live = try XCTUnwrap(waitFor("the new container's events") { s in
            s.range(of: "start +e2e-ev-b", options: .regularExpression) != nil
        })
        let lines = live.split(separator: "\n")
        let newest = try XCTUnwrap(lines.firstIndex { $0.contains("e2e-ev-") && ($0.contains(" start ") || $0.contains(" create ")) })
        XCTAssertTrue(lines[newest].contains("e2e-ev-b"), "newest first:\n\(live)")
        // s in this view acts on nothing.
        tmux.keys("s")
        tmux.keys("/")
        tmux.type("e2e-ev-a")
        tmux.keys("Enter")
        XCTAssertNotNil(waitFor("the filter to leave e2e-ev-a's events") { s in
            s.contains("/e2e-ev-a") && s.contains("e2e-ev-a") && !s.contains("e2e-ev-b")
        })
        tmux.keys("1")
        XCTAssertNotNil(waitFor("the containers view") { s in
            s.contains("1 Containers") && E2ERow("e2e-ev-a", in: s) != nil && E2ERow("e2e-ev-b", in: s) != nil
        })
        XCTAssertEqual(try berth.status("e2e-ev-a"), "running", "s in the events view stopped nothing")
        XCTAssertEqual(try berth.status("e2e-ev-b"), "running", "s in the events view stopped nothing")
        tmux.keys("q")
    }
}
