import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `+` and `-` in the real `berth top`, in tmux, on a real service: the new replica appears as
/// running, and `-` removes the highest-numbered one; a selected heading merges its replicas' logs
/// and `z` folds it. Needs root and tmux; skipped without either.
///
///     swift build --scratch-path .build-svc --build-tests
///     swift test --scratch-path .build-svc --skip-build --filter ServiceScaleE2ETests
final class ServiceScaleE2ETests: OneTmuxDashboardCase {
    override class var rootLabel: String { "svc-e2e" }

    override func tearDown() {
        tmux?.killServer() // the dashboard goes before the services it shows
        if getuid() == 0 {
            let services = berth.run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !services.isEmpty { berth.run(["service", "rm", "-t", "1"] + services) }
        }
        super.tearDown()
    }

    func testPlusAddsARunningReplicaAndMinusRemovesTheHighest() throws {
        let created = berth.run(["service", "create", "--replicas", "1", "e2esvc", "busybox", "sh", "-c",
                                 "trap 'exit 0' TERM; while true; do sleep 0.2; done"])
        XCTAssertEqual(created.status, 0, created.both)
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top --interval 0.5; sleep 600")
        XCTAssertNotNil(waitFor("the replica") { E2ERow("e2esvc-1", in: $0) != nil })

        tmux.keys("+")
        XCTAssertNotNil(waitFor("a second replica, running") { s in
            E2ERow("e2esvc-2", in: s) != nil && s.contains("2 running")
        })
        XCTAssertEqual(try berth.status("e2esvc-2"), "running")

        tmux.keys("-")
        XCTAssertNotNil(waitFor("the second replica to go") { s in
            E2ERow("e2esvc-2", in: s) == nil && E2ERow("e2esvc-1", in: s) != nil
        })
        XCTAssertNil(try berth.status("e2esvc-2"))
        XCTAssertEqual(try berth.status("e2esvc-1"), "running")
        tmux.keys("q")
    }

    /// A service heading selected: the logs pane merges the replicas' logs, each line prefixed with
    /// its replica's name; `z` folds the group.
    func testAHeadingMergesItsReplicasLogsAndFolds() throws {
        // Each replica prints its hostname (its name) once a second.
        let created = berth.run(["service", "create", "--replicas", "2", "--network", "none", "e2ehd", "busybox", "sh", "-c",
                                 "trap 'exit 0' TERM; while true; do echo tick-$(hostname); sleep 1; done"])
        XCTAssertEqual(created.status, 0, created.both)
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top --interval 0.5; sleep 600")
        XCTAssertNotNil(waitFor("both replicas") { E2ERow("e2ehd-1", in: $0) != nil && E2ERow("e2ehd-2", in: $0) != nil })
        tmux.keys("g") // the top row: the service's heading
        XCTAssertNotNil(waitFor("both replicas' lines, prefixed, in the merged logs") { s in
            s.contains("3 Logs e2ehd (all replicas)") && s.contains("e2ehd-1 | tick-e2ehd-1") && s.contains("e2ehd-2 | tick-e2ehd-2")
        })
        tmux.keys("z")
        // The table has no replica rows left (the detail pane still lists them, indented: `│ ● e2ehd-1`).
        XCTAssertNotNil(waitFor("the folded group") { s in
            s.contains("▸ e2ehd  2/2 running") && s.range(of: "(^|\n)│[●○◌◐✖] +e2ehd-", options: .regularExpression) == nil
        })
        tmux.keys("q")
    }
}
