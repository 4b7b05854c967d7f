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

    func openDashboard() throws {
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top --all --interval 0.5; sleep 600")
    }

    func testACrashLoopIsMarkedInTheTableAndTheDetail() throws {
        try berth.start("e2e-loop", "exit 1", extra: Self.noNetwork + ["--restart", "always"])
        try openDashboard()
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
        try openDashboard()
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
}
