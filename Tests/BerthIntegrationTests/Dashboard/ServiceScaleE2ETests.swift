import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `+` and `-` in the real `berth top`, in tmux, on a real service: the new replica appears as
/// running, and `-` removes the highest-numbered one. Needs root and tmux; skipped without either.
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
}
