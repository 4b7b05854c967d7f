import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The terminal side of `exec -t` and `attach`, in tmux: a window resize reaches the container's
/// pty (SIGWINCH forwarding), and a client killed by SIGTERM or SIGHUP leaves the terminal in the
/// mode it found it (`stty -g` before and after, read by the shell in the pane).
final class TerminalTests: ContainerTestCase {
    override class var rootLabel: String { "term" }

    /// A tmux server of its own per test and per `newServer()`: a server still shutting down must
    /// never be the one a new session talks to. Each is killed (with its socket file) at the end.
    var tmux: Tmux!
    var servers = 0
    var tmuxPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        tmuxPath = try Prerequisite.requireTool("tmux")
        newServer()
    }

    /// Switches to a fresh server, to be removed when the test ends.
    func newServer() {
        servers += 1
        let server = Tmux(path: tmuxPath, socket: "berth-term-\(getpid())-\(name.filter { $0.isLetter }.suffix(30))-\(servers)")
        tmux = server
        addTeardownBlock { server.killServer() }
    }

    func screen() -> String { tmux.screen() }

    func waitForScreen(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ predicate: (String) -> Bool) {
        let (match, last) = tmux.waitForScreen(timeout: 30, predicate)
        XCTAssertNotNil(match, "waiting for \(what):\n\(last)", file: file, line: line)
    }

    var berthCommand: String { "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent)" }

    // MARK: - SIGWINCH

    func testExecTTYFollowsAWindowResize() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "resized", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        try tmux.newSession(columns: 91, rows: 27, command: "\(berthCommand) exec -it resized sh; echo EXIT=$?; sleep 600")
        waitForScreen("the shell's prompt") { $0.contains("#") }
        tmux.keys("stty size", "Enter")
        waitForScreen("the first size") { $0.contains("27 91") }
        tmux.resize(columns: 103, rows: 31)
        tmux.keys("clear; stty size", "Enter")
        waitForScreen("the new size inside the container") { $0.contains("31 103") }
        tmux.keys("exit 4", "Enter")
        waitForScreen("the exit") { $0.contains("EXIT=4") }
        XCTAssertEqual(cli.run(["rm", "-f", "resized"]).status, 0)
    }

    func testAttachFollowsAWindowResize() throws {
        XCTAssertEqual(cli.run(["run", "-dit", "--name", "attached", "--network", "none", "busybox", "sh"]).status, 0)
        try tmux.newSession(columns: 88, rows: 26, command: "\(berthCommand) attach attached; echo ATTACH=$?; sleep 600")
        waitForScreen("the replayed prompt") { $0.contains("#") }
        tmux.keys("stty size", "Enter")
        waitForScreen("the first size") { $0.contains("26 88") }
        tmux.resize(columns: 107, rows: 33)
        tmux.keys("clear; stty size", "Enter")
        waitForScreen("the new size inside the container") { $0.contains("33 107") }
        tmux.keys("C-p", "C-q")
        waitForScreen("the detach") { $0.contains("ATTACH=0") }
        XCTAssertEqual(cli.run(["rm", "-f", "attached"]).status, 0)
    }

    // MARK: - Terminal restored after a signal

    /// The pid of the pane's command's child: the `berth` (or the shim it became) the pane runs.
    func paneChild() -> pid_t? {
        let pane = tmux.format("#{pane_pid}")
        let children = (try? String(contentsOfFile: "/proc/\(pane)/task/\(pane)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// The pane terminal's mode as `stty -g` prints it, read from outside.
    func paneMode() -> String {
        let tty = tmux.format("#{pane_tty}")
        return Subprocess.run(Prerequisite.find("stty") ?? "/bin/stty", ["-F", tty, "-g"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `client` in a pane between two `stty -g`, waits for `ready` on screen, checks the
    /// client changed the mode (raw), kills it with `signal`, and checks the mode is back.
    func assertRestored(after signal: Int32, client: String, ready: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try scratchDirectory(self, "term-\(signal)")
        try tmux.newSession(columns: 90, rows: 25, command:
            "stty -g > \(dir)/before; \(client); echo CLIENT=$?; stty -g > \(dir)/after; echo MODES-SAVED; sleep 600")
        waitForScreen("the client", file: file, line: line) { $0.contains(ready) }
        let before = try String(contentsOfFile: dir + "/before", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(paneMode(), before, "the client put the terminal in raw mode", file: file, line: line)
        let pid = try XCTUnwrap(paneChild(), "the client's pid", file: file, line: line)
        XCTAssertEqual(kill(pid, signal), 0, file: file, line: line)
        waitForScreen("the client's end", file: file, line: line) { $0.contains("MODES-SAVED") }
        let after = try String(contentsOfFile: dir + "/after", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(after, before, "the terminal's mode after signal \(signal):\n\(screen())", file: file, line: line)
    }

    func testExecTTYRestoresTheTerminalOnSIGTERMAndSIGHUP() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "signalled", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        for sig in [SIGTERM, SIGHUP] {
            // The signal goes on to the command (sleep dies of it), then the client restores and exits.
            try assertRestored(after: sig, client: "\(berthCommand) exec -it signalled sh -c 'echo READY; exec sleep 600'", ready: "READY")
            XCTAssertTrue(screen().contains("CLIENT=\(128 + sig)"), screen())
            newServer()
        }
        XCTAssertEqual(try cli.state("signalled")["Status"] as? String, "running", "only the exec'd command got the signal")
        XCTAssertEqual(cli.run(["rm", "-f", "signalled"]).status, 0)
    }

    /// An interactive shell ignores SIGTERM: the client then hangs up its pty, which the shell does
    /// not ignore, so ending the client ends the session instead of leaving it waiting.
    func testExecTTYOfAShellThatIgnoresSIGTERMEndsByHangup() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "shelled", "--network", "none", "busybox", "sleep", "600"]).status, 0)
        for sig in [SIGTERM, SIGHUP] {
            try assertRestored(after: sig, client: "\(berthCommand) exec -it shelled sh", ready: "/ #")
            XCTAssertTrue(screen().contains("CLIENT=\(128 + SIGHUP)"), "the shell ended by the hangup:\n\(screen())")
            newServer()
        }
        XCTAssertEqual(processes(containing: "--exec"), [], "no exec client left")
        XCTAssertEqual(try cli.state("shelled")["Status"] as? String, "running", "only the session ended")
        XCTAssertEqual(cli.run(["rm", "-f", "shelled"]).status, 0)
    }

    func testAttachRestoresTheTerminalOnSIGTERMAndSIGHUP() throws {
        XCTAssertEqual(cli.run(["run", "-dit", "--name", "console", "--network", "none", "busybox", "sh"]).status, 0)
        for sig in [SIGTERM, SIGHUP] {
            newServer()
            try assertRestored(after: sig, client: "\(berthCommand) attach console", ready: "#")
        }
        XCTAssertEqual(try cli.state("console")["Status"] as? String, "running", "killing the client leaves the container running")
        XCTAssertEqual(cli.run(["rm", "-f", "console"]).status, 0)
    }

    /// Processes whose command line holds `needle` (and this test root's path).
    func processes(containing needle: String) -> [String] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int32($0) != nil }
        return pids.compactMap { pid -> String? in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let cmd = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(needle) && cmd.contains(cli.root) ? "\(pid): \(cmd)" : nil
        }
    }

    /// `run -it` is a Swift process with the attach client as its child: a SIGTERM or SIGHUP to it
    /// goes on to the client, which restores the terminal, and no client is left reading the
    /// terminal. The container runs on (docker's -t proxies no signal); with --rm it is removed
    /// when it ends, by its supervisor, since the process that was to remove it is gone.
    func testRunInteractiveRestoresTheTerminalOnSIGTERMAndSIGHUP() throws {
        for sig in [SIGTERM, SIGHUP] {
            newServer()
            let name = "runit-\(sig)"
            try assertRestored(after: sig, client: "\(berthCommand) run -it --rm --name \(name) --network none busybox sh -c 'echo READY; exec sleep 600'",
                               ready: "READY")
            XCTAssertTrue(screen().contains("CLIENT=\(128 + sig)"), screen())
            XCTAssertEqual(processes(containing: "--attach"), [], "no attach client is left reading the terminal")
            XCTAssertEqual(try cli.state(name)["Status"] as? String, "running", "the container runs on")
            XCTAssertEqual(cli.run(["stop", "-t", "1", name]).status, 0)
            XCTAssertTrue(cli.eventually(timeout: 30) { !self.cli.run(["ps", "-a"]).stdout.contains(name) },
                          "--rm removes the container when it ends: \(cli.run(["ps", "-a"]).stdout)")
        }
    }
}
