import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// How the dashboard is opened and closed, as README and docs/dashboard.md say: bare `berth`,
/// `top --theme` and `--shell`, the config file under `XDG_CONFIG_HOME` (and the defaults after a
/// bad one), and the terminal given back after SIGTERM or SIGHUP. The real binary in tmux against
/// real containers, with a test root, cgroup parent and tmux servers of its own.
final class DashboardCLIE2ETests: DashboardE2ECase {
    override class var rootLabel: String { "dash-cli" }

    var tmuxPath = ""
    /// The servers this test started (one per `newTmux()`), killed when it ends.
    var servers: [Tmux] = []
    var tmux: Tmux { servers.last! }
    override var dashboardTmux: Tmux? { servers.last }

    override func setUpWithError() throws {
        try super.setUpWithError()
        tmuxPath = try Prerequisite.requireTool("tmux")
        newTmux()
    }

    override func tearDown() {
        for server in servers { server.killServer() }
        servers = []
        super.tearDown()
    }

    /// A fresh tmux server: one still shutting down is never the one a new session talks to.
    func newTmux() {
        servers.append(Tmux(path: tmuxPath, socket: "\(Self.scope.cgroupParent)-\(servers.count + 1)"))
    }

    /// Opens `berth ARGS` (the dashboard) in a new session with `environment`; the shell around it
    /// saves `stty -g` before and after into `modes`, then prints how berth exited, and stays.
    func open(_ args: String, environment: String = "", modes: String? = nil, columns: Int = 120) throws {
        let save = { (name: String) in modes.map { "stty -g > \($0)/\(name); " } ?? "" }
        let command = save("before") + "env LANG=C.UTF-8 TERM=xterm-256color \(environment) \(quote(E2EBerth.binary)) \(args); "
            + "echo berth-exited=$?; " + save("after") + "echo shell-done; sleep 600"
        try tmux.newSession(columns: columns, rows: 40, command: command)
    }

    var globalArgs: String { berth.globalArgs.map(quote).joined(separator: " ") }

    /// The dashboard's pid: the pane's shell runs berth as its child.
    func berthPID() throws -> pid_t {
        let pane = tmux.format("#{pane_pid}")
        let children = (try? String(contentsOfFile: "/proc/\(pane)/task/\(pane)/children", encoding: .utf8)) ?? ""
        return try XCTUnwrap(children.split(separator: " ").first.flatMap { pid_t($0) }, "berth's pid")
    }

    /// A directory for the test's files, removed when it ends.
    func scratch(_ label: String) throws -> String {
        let dir = "/var/tmp/berth-test-dash-cli-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    // MARK: - Tests

    func testBareBerthOpensTheDashboard() throws {
        try berth.start("cli-bare", Self.idleLoop, extra: Self.noNetwork)
        // No verb and no option: the root and parent come from the environment.
        try open("", environment: "BERTH_ROOT=\(quote(berth.root)) BERTH_CGROUP_PARENT=\(quote(berth.cgroupParent)) HOME=/nonexistent")
        let screen = try XCTUnwrap(waitFor("the dashboard with the container's row") { E2ERow("cli-bare", in: $0) != nil })
        XCTAssertTrue(screen.contains("1 Containers") && screen.contains("theme default"), screen)
        tmux.keys("q")
        XCTAssertNotNil(waitFor("berth to exit") { $0.contains("berth-exited=0") })
    }

    func testThemeAndShellOptions() throws {
        // A "shell" that leaves a mark in the container, so the test knows `e` ran it.
        try berth.start("cli-shell", "printf '#!/bin/sh\\necho custom-shell-ran > /tmp/ran\\n' > /bin/myshell; chmod +x /bin/myshell; "
                        + Self.idleLoop, extra: Self.noNetwork)
        let mine = try XCTUnwrap(berth.containers()["cli-shell"]?["id"] as? String)
        XCTAssertTrue(try waitForFile(container: "cli-shell", path: "/bin/myshell"))
        try open("\(globalArgs) top --interval 0.5 --theme nord --shell /bin/myshell", environment: "HOME=/nonexistent")
        XCTAssertNotNil(waitFor("the nord theme in the header") { E2ERow("cli-shell", in: $0) != nil && $0.contains("theme nord") })
        tmux.keys("e")
        XCTAssertNotNil(waitFor("the dashboard back after the shell ended") { $0.contains("shell in cli-shell ended") })
        let ran = berth.run(["exec", mine, "cat", "/tmp/ran"])
        XCTAssertEqual(ran.stdout, "custom-shell-ran\n", "--shell chose what `e` runs: \(ran.both)")
        tmux.keys("q")
        XCTAssertNotNil(waitFor("berth to exit") { $0.contains("berth-exited=0") })

        // A theme that does not exist: the default, and the status bar says why.
        newTmux()
        try open("\(globalArgs) top --theme nosuch", environment: "HOME=/nonexistent")
        XCTAssertNotNil(waitFor("the fallback to default") { $0.contains("theme default") && $0.contains("no theme named 'nosuch'") })
        tmux.keys("q")
    }

    /// Polls `berth exec NAME test -e PATH`.
    func waitForFile(container: String, path: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        repeat {
            if berth.run(["exec", container, "test", "-e", path]).status == 0 { return true }
            usleep(100_000)
        } while Date() < deadline
        return false
    }

    func testConfigAndThemesComeFromXDGConfigHome() throws {
        try berth.start("cli-running", Self.idleLoop, extra: Self.noNetwork)
        try berth.start("cli-exited", "exit 0", extra: Self.noNetwork)
        let dir = try scratch("xdg")
        try FileManager.default.createDirectory(atPath: dir + "/berth/themes", withIntermediateDirectories: true)
        try "theme: gruvbox\nall: true\n".write(toFile: dir + "/berth/config.yaml", atomically: true, encoding: .utf8)
        try "name: mine\nroles:\n  text: \"#d8dee9\"\n  background: { bg: \"#2e3440\" }\n"
            .write(toFile: dir + "/berth/themes/mine.yaml", atomically: true, encoding: .utf8)
        // HOME points elsewhere: only XDG_CONFIG_HOME can have given these.
        let env = "XDG_CONFIG_HOME=\(quote(dir)) HOME=/nonexistent"
        try open("\(globalArgs) top --interval 0.5", environment: env)
        let screen = try XCTUnwrap(waitFor("gruvbox from the config, exited rows shown (all: true)") {
            $0.contains("theme gruvbox") && E2ERow("cli-exited", in: $0) != nil && E2ERow("cli-running", in: $0) != nil
        })
        XCTAssertFalse(screen.lowercased().contains("using defaults"), screen)
        tmux.keys("q")

        newTmux()
        try open("\(globalArgs) top --theme mine", environment: env)
        XCTAssertNotNil(waitFor("the user theme from $XDG_CONFIG_HOME/berth/themes") { $0.contains("theme mine") })
        tmux.keys("q")

        // Without XDG_CONFIG_HOME (and no ~/.config), none of it applies.
        newTmux()
        try open("\(globalArgs) top", environment: "HOME=/nonexistent")
        XCTAssertNotNil(waitFor("the defaults") { $0.contains("theme default") && E2ERow("cli-running", in: $0) != nil && E2ERow("cli-exited", in: $0) == nil })
        tmux.keys("q")
    }

    /// `commands:` in config.yaml: a key runs the user's command with the selection in its
    /// environment — in the background (status bar gets its last line) or in the foreground (the
    /// terminal handed over, Enter to return) — and `berth` inside it sees the same root.
    func testCustomCommandsRunWithTheSelectionInTheirEnvironment() throws {
        try berth.start("cli-custom", Self.idleLoop, extra: Self.noNetwork)
        let dir = try scratch("custom")
        try FileManager.default.createDirectory(atPath: dir + "/berth", withIntermediateDirectories: true)
        let mark = dir + "/ran"
        try """
        commands:
          - key: T
            name: note
            background: true
            command: 'printf "%s %s %s\\n" "$NAME" "$IMAGE" "$(berth ps -q --no-trunc | head -1)" > \(mark); echo noted-$NAME'
          - key: ctrl-t
            name: peek
            confirm: true
            command: 'echo "peek at $NAME pid $PID"; head -1 /proc/$PID/status'
          - key: s
            name: clash
            command: 'true'
        """.write(toFile: dir + "/berth/config.yaml", atomically: true, encoding: .utf8)
        let id = try XCTUnwrap(try berth.containers()["cli-custom"]?["id"] as? String)
        try open("\(globalArgs) top --interval 0.5", environment: "XDG_CONFIG_HOME=\(quote(dir)) HOME=/nonexistent PATH=\(quote((E2EBerth.binary as NSString).deletingLastPathComponent)):/usr/bin:/bin", columns: 200)
        XCTAssertNotNil(waitFor("the row and the refused clash") { E2ERow("cli-custom", in: $0) != nil && $0.contains("config.yaml:10: command 'clash': key 's' is already") })
        tmux.keys("T")
        XCTAssertNotNil(waitFor("the background command's last line") { $0.contains("note done: noted-cli-custom") })
        let ran = try String(contentsOfFile: mark, encoding: .utf8)
        XCTAssertEqual(ran, "cli-custom busybox:latest \(id)\n", "NAME, IMAGE, and berth on the same root")
        tmux.keys("C-t")
        XCTAssertNotNil(waitFor("the question") { $0.contains("Run peek on cli-custom?") })
        tmux.keys("y")
        XCTAssertNotNil(waitFor("the foreground command's output and the prompt") { s in
            s.contains("peek at cli-custom pid") && s.contains("Name:") && s.contains("Press Enter to return") && !s.contains("1 Containers")
        })
        tmux.keys("Enter")
        XCTAssertNotNil(waitFor("the dashboard again") { E2ERow("cli-custom", in: $0) != nil && $0.contains("peek done") })
        tmux.keys("q")
        XCTAssertNotNil(waitFor("berth to exit") { $0.contains("berth-exited=0") })
    }

    func testABadSettingIsReportedAndTheRestApplies() throws {
        try berth.start("cli-fallback", Self.idleLoop, extra: Self.noNetwork)
        let dir = try scratch("bad")
        try FileManager.default.createDirectory(atPath: dir + "/berth", withIntermediateDirectories: true)
        // The theme line is valid, the interval is not: the theme applies, the interval keeps its
        // default, and the problem is reported with its line.
        try "theme: nord\ninterval: 0\n".write(toFile: dir + "/berth/config.yaml", atomically: true, encoding: .utf8)
        // Wide enough for the whole message beside the key hints.
        try open("\(globalArgs) top", environment: "XDG_CONFIG_HOME=\(quote(dir)) HOME=/nonexistent", columns: 250)
        let screen = try XCTUnwrap(waitFor("the file's theme and the reason in the status bar") {
            E2ERow("cli-fallback", in: $0) != nil && $0.contains("theme nord") && $0.contains("config.yaml:2")
        })
        let statusBar = screen.split(separator: "\n").last { $0.contains("config.yaml") }.map(String.init) ?? ""
        XCTAssertTrue(statusBar.contains("config.yaml:2: interval must be a number of seconds"), "the file, line and reason: \(statusBar)")
        // Still usable: the filter works.
        tmux.keys("/")
        tmux.type("nomatch")
        XCTAssertNotNil(waitFor("the filter applied") { E2ERow("cli-fallback", in: $0) == nil && $0.contains("nomatch") })
        tmux.keys("Escape", "q")
        XCTAssertNotNil(waitFor("berth to exit") { $0.contains("berth-exited=0") })
    }

    func testSIGTERMAndSIGHUPGiveTheTerminalBack() throws {
        try berth.start("cli-signal", Self.idleLoop, extra: Self.noNetwork)
        for sig in [SIGTERM, SIGHUP] {
            newTmux()
            let dir = try scratch("sig\(sig)")
            try open("\(globalArgs) top --interval 0.5", environment: "HOME=/nonexistent", modes: dir)
            XCTAssertNotNil(waitFor("the dashboard") { E2ERow("cli-signal", in: $0) != nil })
            XCTAssertEqual(tmux.format("#{alternate_on}"), "1")
            let before = try String(contentsOfFile: dir + "/before", encoding: .utf8)
            let tty = tmux.format("#{pane_tty}")
            let during = Subprocess.run(Prerequisite.find("stty") ?? "/bin/stty", ["-F", tty, "-g"]).stdout
            XCTAssertNotEqual(during, before, "the dashboard changed the terminal's mode")
            XCTAssertEqual(kill(try berthPID(), sig), 0)
            let after = try XCTUnwrap(waitFor("the shell after berth") { $0.contains("shell-done") })
            XCTAssertEqual(try String(contentsOfFile: dir + "/after", encoding: .utf8), before, "stty -g after signal \(sig)")
            XCTAssertEqual(tmux.format("#{alternate_on}"), "0", "the normal screen is back")
            XCTAssertEqual(tmux.format("#{cursor_flag}"), "1", "the cursor is visible again")
            XCTAssertFalse(after.contains("Containers"), after)
        }
        XCTAssertEqual(try berth.status("cli-signal"), "running", "closing the dashboard never stops a container")
    }

    /// SIGTERM or SIGHUP while `e`'s shell has the terminal: the shell (which ignores SIGTERM) is
    /// hung up, and the dashboard quits once the terminal is back, restoring it.
    func testASignalWhileAShellIsOpenEndsTheShellAndTheDashboard() throws {
        try berth.start("cli-shell", Self.idleLoop, extra: Self.noNetwork)
        for sig in [SIGTERM, SIGHUP] {
            newTmux()
            let dir = try scratch("shellsig\(sig)")
            try open("\(globalArgs) top --interval 0.5", environment: "HOME=/nonexistent", modes: dir)
            XCTAssertNotNil(waitFor("the dashboard") { E2ERow("cli-shell", in: $0) != nil })
            tmux.keys("e")
            XCTAssertNotNil(waitFor("the shell's prompt") { $0.contains("/ #") && !$0.contains("Containers") })
            let before = try String(contentsOfFile: dir + "/before", encoding: .utf8)
            XCTAssertEqual(kill(try berthPID(), sig), 0)
            let after = try XCTUnwrap(waitFor("the shell after berth") { $0.contains("shell-done") })
            XCTAssertTrue(after.contains("berth-exited="), after)
            XCTAssertEqual(try String(contentsOfFile: dir + "/after", encoding: .utf8), before, "stty -g after signal \(sig)")
            XCTAssertEqual(tmux.format("#{alternate_on}"), "0", "the normal screen is back")
        }
        XCTAssertEqual(try berth.status("cli-shell"), "running", "only the shell ended")
    }
}
