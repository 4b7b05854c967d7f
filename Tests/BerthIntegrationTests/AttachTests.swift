import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `run -i/-t` and `attach`: a terminal from the container's own devpts, stdin through the
/// supervisor, Ctrl-P Ctrl-Q to detach.
final class AttachTests: ContainerTestCase {
    override class var rootLabel: String { "attach" }
    /// One tmux server per test: a server shutting down after the previous test must not be
    /// the one a new session talks to.
    var socket: String { "berth-attach-\(getpid())-" + name.filter { $0.isLetter } }

    /// tmux from PATH, found by the tests that use it (`requireTmux`); the others run without it.
    var tmuxPath: String?

    func requireTmux() throws { tmuxPath = try Prerequisite.requireTool("tmux") }

    override func tearDown() {
        if tmuxPath != nil {
            _ = tmux(["kill-server"])
            unlink("/tmp/tmux-\(getuid())/\(socket)") // tmux leaves its socket file behind
        }
        super.tearDown()
    }

    @discardableResult
    func tmux(_ args: [String]) -> String {
        guard let tmuxPath else { XCTFail("requireTmux() first"); return "" }
        return Subprocess.run(tmuxPath, ["-L", socket] + args, capture: args.first == "capture-pane", timeout: 10).stdout
    }

    func screen(_ session: String? = nil) -> String {
        tmux(["capture-pane", "-p"] + (session.map { ["-t", $0] } ?? []))
    }

    func testInteractiveStdinReachesTheContainer() {
        let r = cli.run(["run", "--rm", "-i", "--network", "none", "busybox", "sh", "-c", "read l; echo got:$l; echo oops >&2; exit 4"],
                        stdin: "hello\n")
        XCTAssertEqual(r.status, 4)
        XCTAssertEqual(r.stdout, "got:hello\n")
        XCTAssertEqual(r.stderr, "oops\n")
    }

    func testRunWithATerminal() throws {
        try requireTmux()
        tmux(["new-session", "-d", "-x", "97", "-y", "29",
              "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent) run -it --rm --name term --network none busybox sh; echo EXIT=$?; sleep 30"])
        XCTAssertTrue(cli.eventually { self.screen().contains("/ #") }, screen())
        tmux(["send-keys", "tty; stty size; echo $TERM; exit 6", "Enter"])
        XCTAssertTrue(cli.eventually { self.screen().contains("EXIT=") }, screen())
        let s = screen()
        XCTAssertTrue(s.contains("/dev/pts/0"), s)
        XCTAssertTrue(s.contains("29 97"), s)
        XCTAssertTrue(s.contains("xterm"), s)
        XCTAssertTrue(s.contains("EXIT=6"), s)
        XCTAssertTrue(cli.eventually { !cli.run(["ps", "-a"]).stdout.contains("term") }, "--rm removed it")
    }

    func testAttachAndDetach() throws {
        try requireTmux()
        XCTAssertEqual(cli.run(["run", "-dit", "--name", "console", "--network", "none", "busybox", "sh"]).status, 0)
        tmux(["new-session", "-d", "-s", "first", "-x", "90", "-y", "25",
              "\(BerthCLI.binary) --root \(cli.root) attach console; echo ATTACH=$?; sleep 30"])
        XCTAssertTrue(cli.eventually { self.screen().contains("#") }, screen())
        tmux(["send-keys", "hostname", "Enter"])
        XCTAssertTrue(cli.eventually { self.screen().contains("\nconsole") }, screen())
        tmux(["send-keys", "C-p", "C-q"])
        XCTAssertTrue(cli.eventually { self.screen().contains("ATTACH=0") }, screen())
        XCTAssertEqual(try cli.state("console")["status"] as? String, "running", "detaching leaves it running")
        // A second attach, in a second session of the same server, sees the container end and takes its exit code.
        tmux(["new-session", "-d", "-s", "second", "-x", "90", "-y", "25",
              "\(BerthCLI.binary) --root \(cli.root) attach console; echo AGAIN=$?; sleep 30"])
        XCTAssertTrue(cli.eventually { self.screen("second").contains("#") }, "the attach replays the prompt: \(screen("second"))")
        tmux(["send-keys", "-t", "second", "exit 3", "Enter"])
        XCTAssertTrue(cli.eventually { self.screen("second").contains("AGAIN=3") }, screen("second"))
        XCTAssertEqual(cli.run(["rm", "console"]).status, 0)
    }

    func testAttachToAStoppedContainerFails() {
        XCTAssertEqual(cli.run(["create", "--name", "idle", "busybox", "true"]).status, 0)
        let r = cli.run(["attach", "idle"])
        XCTAssertEqual(r.status, 125)
        XCTAssertEqual(r.stderr, "berth: container idle is not running\n")
        XCTAssertEqual(cli.run(["rm", "idle"]).status, 0)
    }
}
