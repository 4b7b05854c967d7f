import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the dashboard's end-to-end classes share: a test root per class (`berth-test-LABEL-PID`,
/// with its cgroup parent) holding the busybox image, removed after the class; and per test, the
/// host taken before and checked after, once the test's containers and bridge are removed. Each
/// subclass adds its tmux servers (killed in its `tearDown` before this one runs).
class DashboardE2ECase: XCTestCase {
    /// The label of the class's test root.
    class var rootLabel: String { "dash-e2e" }
    class var scope: TestRootScope { TestRootScope(label: rootLabel) }
    /// The cgroup parent, also the name of the class's tmux sockets.
    class var tag: String { scope.cgroupParent }
    class var berth: E2EBerth { E2EBerth(root: scope.path, cgroupParent: scope.cgroupParent) }

    /// Why a class could not be prepared (the image import failed), by class.
    nonisolated(unsafe) private static var setupProblems: [ObjectIdentifier: String] = [:]

    var berth: E2EBerth { Self.berth }
    /// The host when this test started.
    private var hostAtStart: HostState?

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else { return }
        try? FileManager.default.removeItem(atPath: berth.root)
        // In the root's settings too, not only in the environment: the dashboard in tmux and the
        // supervisors' own `berth` calls must never turn on forwarding or NAT on the real host.
        TestSafety.outboundOff(root: berth.root)
        let r = berth.run(["image", "import-busybox"])
        if r.status != 0 { setupProblems[ObjectIdentifier(self)] = "berth image import-busybox failed (\(r.status)): \(r.both)" }
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

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: E2EBerth.binary), "no berth binary at \(E2EBerth.binary); build first")
        if let problem = Self.setupProblems[ObjectIdentifier(Self.self)] { throw E2EError(problem) }
        hostAtStart = HostState.take()
    }

    override func tearDown() {
        if getuid() == 0, let start = hostAtStart {
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

    /// The tmux server the test's dashboard runs in; each subclass says which.
    var dashboardTmux: Tmux? { nil }

    /// Polls the dashboard's screen until `predicate` holds; returns the matching screen, or fails
    /// with the last screen seen, saved to a file and printed (long multi-line messages have gone
    /// missing from `swift test` output here).
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) throws -> Bool) rethrows -> String? {
        guard let tmux = dashboardTmux else {
            XCTFail("no tmux server to watch while waiting for \(what)", file: file, line: line)
            return nil
        }
        let (match, last) = try tmux.waitForScreen(timeout: timeout, predicate)
        if let match { return match }
        let saved = NSTemporaryDirectory() + "\(Self.tag)-\(name.filter { $0.isLetter || $0.isNumber })-\(line).txt"
        try? last.write(toFile: saved, atomically: true, encoding: .utf8)
        print("last screen while waiting for \(what):\n\(last)")
        XCTFail("timed out after \(timeout) s waiting for \(what); last screen in \(saved)", file: file, line: line)
        return nil
    }

    /// Tests pass this unless they are about the bridge, so they change nothing on the host's network.
    static let noNetwork = ["--network", "none"]
    static let idleLoop = "trap 'exit 0' TERM; while true; do sleep 0.2; done"

    /// `s` as one shell word.
    func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// A dashboard end-to-end class whose tests each use one tmux server, named after the class's
/// cgroup parent (and killed first, in case an interrupted run of this pid left it).
class OneTmuxDashboardCase: DashboardE2ECase {
    var tmux: Tmux!
    override var dashboardTmux: Tmux? { tmux }

    override func setUpWithError() throws {
        try super.setUpWithError()
        tmux = try Tmux(socket: Self.tag)
        tmux.killServer()
    }

    override func tearDown() {
        tmux?.killServer()
        super.tearDown()
    }

    /// `berth top --all --interval 0.5` at 120×40 in 256 colours, in the tmux session. (Named apart from
    /// DashboardE2ETests' `openDashboard(columns:rows:…)`: with one name, Swift picks this overload for a
    /// bare `openDashboard()` there, and the shell line that reports berth's exit went missing.)
    func openDashboardShowingAll() throws {
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top --all --interval 0.5; sleep 600")
    }
}
