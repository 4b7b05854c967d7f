import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A service heading selected in the real `berth top`: the logs pane merges the replicas' logs,
/// each line prefixed with its replica's name; `z` folds the group. Needs root and tmux.
///
///     swift build --build-tests
///     swift test --skip-build --filter ServiceHeadingE2ETests
final class ServiceHeadingE2ETests: OneTmuxDashboardCase {
    override class var rootLabel: String { "heading-e2e" }

    override func tearDown() {
        tmux?.killServer() // the dashboard goes before the services it shows
        if getuid() == 0 {
            let services = berth.run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !services.isEmpty { berth.run(["service", "rm", "-t", "1"] + services) }
        }
        super.tearDown()
    }

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
