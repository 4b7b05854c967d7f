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
final class ServiceScaleE2ETests: XCTestCase {
    static let scope = TestRootScope(label: "svc-e2e")
    static let tag = scope.cgroupParent
    static let berth = E2EBerth(root: scope.path, cgroupParent: scope.cgroupParent)
    nonisolated(unsafe) static var setupProblem: String?

    var berth: E2EBerth { Self.berth }
    var tmux: Tmux!

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else { return }
        try? FileManager.default.removeItem(atPath: berth.root)
        let r = berth.run(["image", "import-busybox"])
        if r.status != 0 { setupProblem = "berth image import-busybox failed (\(r.status)): \(r.both)" }
    }

    /// No assertions here (XCTest on Linux drops them): each test's `tearDown` checks the host,
    /// and ZZZHostLeakFinalTests checks last.
    override class func tearDown() {
        if getuid() == 0 {
            _ = berth.removeAll()
            berth.run(["network", "rm"])
            try? FileManager.default.removeItem(atPath: berth.root)
        }
        super.tearDown()
    }

    /// The host when this test started.
    var hostAtStart: HostState?

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        tmux = try Tmux(socket: Self.tag)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: E2EBerth.binary), "no berth binary at \(E2EBerth.binary); build first")
        if let problem = Self.setupProblem { throw E2EError(problem) }
        tmux.killServer()
        hostAtStart = HostState.take()
    }

    override func tearDown() {
        tmux?.killServer()
        if getuid() == 0, let start = hostAtStart {
            let services = berth.run(["service", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
            if !services.isEmpty { berth.run(["service", "rm", "-t", "1"] + services) }
            let ids = berth.run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
            TestRun.record(containerIDs: ids)
            if let r = berth.removeAll() { XCTAssertEqual(r.status, 0, "berth rm -f: \(r.both)") }
            // The root's bridge (host interface berth<hash of the root>), when a test made one.
            let net = berth.run(["network", "rm"])
            XCTAssertEqual(net.status, 0, "berth network rm: \(net.both)")
            var left = Self.scope.leftovers(since: start, containerIDs: ids)
            if let bridge = Self.scope.bridge, HostLeaks.interfaceExists(bridge) { left.append("bridge left: \(bridge)") }
            if !left.isEmpty { XCTFail("this test left the host changed:\n  " + left.joined(separator: "\n  ")) }
        }
        hostAtStart = nil
        super.tearDown()
    }

    func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func waitFor(_ what: String, timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) throws -> Bool) rethrows -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        repeat {
            last = tmux.screen()
            if try predicate(last) { return last }
            usleep(150_000)
        } while Date() < deadline
        XCTFail("timed out after \(timeout) s waiting for \(what); screen:\n\(last)", file: file, line: line)
        return nil
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
