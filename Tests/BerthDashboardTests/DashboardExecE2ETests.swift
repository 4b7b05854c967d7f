import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `e` in the real `berth top`, in tmux: the screen is handed to a shell inside the selected
/// container, and the dashboard comes back when the shell exits. Needs root and tmux.
final class DashboardExecE2ETests: XCTestCase {
    static let tag = "berth-exec-e2e-\(getpid())"
    static let berth = E2EBerth(root: "/var/tmp/\(tag)", cgroupParent: tag)
    nonisolated(unsafe) static var setupProblem: String?

    var berth: E2EBerth { Self.berth }
    var tmux: E2ETmux!

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else { return }
        try? FileManager.default.removeItem(atPath: berth.root)
        let r = berth.run(["image", "import-busybox"])
        if r.status != 0 { setupProblem = "berth image import-busybox failed (\(r.status)): \(r.both)" }
    }

    override class func tearDown() {
        if getuid() == 0 {
            _ = berth.removeAll()
            // Replicas join the bridge by default: remove it with the root.
            let net = berth.run(["network", "rm"])
            XCTAssertEqual(net.status, 0, "berth network rm: \(net.both)")
            try? FileManager.default.removeItem(atPath: berth.root)
        }
        super.tearDown()
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "running containers needs root")
        guard let tmuxPath = E2ECommand.find("tmux") else { throw XCTSkip("tmux is not installed") }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: E2EBerth.binary), "no berth binary at \(E2EBerth.binary); build first")
        if let problem = Self.setupProblem { throw E2EError(problem) }
        tmux = E2ETmux(tmux: tmuxPath, socket: Self.tag)
        tmux.killServer()
    }

    override func tearDown() {
        tmux?.killServer()
        if getuid() == 0 {
            if let r = berth.removeAll() { XCTAssertEqual(r.status, 0, "berth rm -f: \(r.both)") }
            XCTAssertEqual(try berth.containers().keys.sorted(), [], "containers left behind")
            let cgroups = E2ECommand.run("/usr/bin/find", ["/sys/fs/cgroup", "-maxdepth", "4", "-name", Self.tag]).stdout
            XCTAssertEqual(cgroups, "", "cgroups left behind")
        }
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

    func testEOpensAShellAndTheDashboardComesBack() throws {
        try berth.start("shelly", "trap 'exit 0' TERM; while true; do sleep 0.2; done", extra: ["--hostname", "inside-shelly"])
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top; sleep 600")
        XCTAssertNotNil(waitFor("the container's row") { E2ERow("shelly", in: $0) != nil })
        tmux.keys("e")
        XCTAssertNotNil(waitFor("the shell's prompt") { $0.contains("/ #") && !$0.contains("Containers") })
        tmux.type("hostname; exit")
        tmux.keys("Enter")
        XCTAssertNotNil(waitFor("the dashboard again, with the shell's end in the status bar") { s in
            E2ERow("shelly", in: s) != nil && s.contains("shell in shelly ended")
        })
        XCTAssertEqual(try berth.status("shelly"), "running", "the container outlives the shell")
        tmux.keys("q")
    }

    func testEOnAStoppedContainerSaysSo() throws {
        try berth.start("gone", "exit 0")
        XCTAssertNotNil(waitFor("it to stop", timeout: 10) { _ in (try? self.berth.status("gone")) == "exited" })
        let global = berth.globalArgs.map(quote).joined(separator: " ")
        try tmux.newSession(columns: 120, rows: 40, command:
            "env LANG=C.UTF-8 TERM=xterm-256color \(quote(E2EBerth.binary)) \(global) top --all; sleep 600")
        XCTAssertNotNil(waitFor("the stopped container's row") { E2ERow("gone", in: $0) != nil })
        tmux.keys("e")
        XCTAssertNotNil(waitFor("a status message, not a broken screen") { s in
            E2ERow("gone", in: s) != nil && s.lowercased().contains("not running")
        })
        tmux.keys("q")
    }
}
