import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `run -i/-t` and `attach`: a terminal from the container's own devpts, stdin through the
/// supervisor, Ctrl-P Ctrl-Q to detach.
final class AttachTests: ContainerTestCase {
    override class var rootLabel: String { "attach" }
    /// One tmux server per test, made by the tests that use it (`requireTmux`); the others run
    /// without tmux. A server shutting down after the previous test must not be the one a new
    /// session talks to.
    var tmux: Tmux!

    func requireTmux() throws { tmux = try Tmux(socket: "berth-attach-\(getpid())-" + name.filter { $0.isLetter }) }

    override func tearDown() {
        tmux?.killServer()
        super.tearDown()
    }

    func screen(_ session: String? = nil) -> String { tmux.screen(session) }

    func testInteractiveStdinReachesTheContainer() {
        let r = cli.run(["run", "--rm", "-i", "--network", "none", "busybox", "sh", "-c", "read l; echo got:$l; echo oops >&2; exit 4"],
                        stdin: "hello\n")
        XCTAssertEqual(r.status, 4)
        XCTAssertEqual(r.stdout, "got:hello\n")
        XCTAssertEqual(r.stderr, "oops\n")
    }

    func testRunWithATerminal() throws {
        try requireTmux()
        try tmux.newSession(columns: 97, rows: 29, command:
            "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent) run -it --rm --name term --network none busybox sh; echo EXIT=$?; sleep 30")
        XCTAssertTrue(cli.eventually { self.screen().contains("/ #") }, screen())
        tmux.keys("tty; stty size; echo $TERM; exit 6", "Enter")
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
        try tmux.newSession(columns: 90, rows: 25, name: "first", command:
            "\(BerthCLI.binary) --root \(cli.root) attach console; echo ATTACH=$?; sleep 30")
        XCTAssertTrue(cli.eventually { self.screen().contains("#") }, screen())
        tmux.keys("hostname", "Enter")
        XCTAssertTrue(cli.eventually { self.screen().contains("\nconsole") }, screen())
        tmux.keys("C-p", "C-q")
        XCTAssertTrue(cli.eventually { self.screen().contains("ATTACH=0") }, screen())
        XCTAssertEqual(try cli.state("console")["Status"] as? String, "running", "detaching leaves it running")
        // A second attach, in a second session of the same server, sees the container end and takes its exit code.
        try tmux.newSession(columns: 90, rows: 25, name: "second", command:
            "\(BerthCLI.binary) --root \(cli.root) attach console; echo AGAIN=$?; sleep 30")
        XCTAssertTrue(cli.eventually { self.screen("second").contains("#") }, "the attach replays the prompt: \(screen("second"))")
        tmux.keys("exit 3", "Enter", session: "second")
        XCTAssertTrue(cli.eventually { self.screen("second").contains("AGAIN=3") }, screen("second"))
        XCTAssertEqual(cli.run(["rm", "console"]).status, 0)
    }

    /// Ctrl-P Ctrl-Q in `run --rm -it` returns to the shell at once and leaves the container
    /// running; with --rm its supervisor removes it when it ends (the `run` that would have is gone).
    func testRunRmItDetachesAndReturns() throws {
        try requireTmux()
        try tmux.newSession(columns: 90, rows: 25, command:
            "\(BerthCLI.binary) --root \(cli.root) --cgroup-parent \(cli.cgroupParent) run --rm -it --name detached --network none busybox sh; echo RUN=$?; sleep 30")
        XCTAssertTrue(cli.eventually { self.screen().contains("/ #") }, screen())
        tmux.keys("C-p", "C-q")
        XCTAssertTrue(cli.eventually { self.screen().contains("RUN=0") }, "run returned after the detach: \(screen())")
        XCTAssertEqual(try cli.state("detached")["Status"] as? String, "running", "detaching leaves it running")
        // Attach again and end it: --rm removes it without the original `run`.
        try tmux.newSession(columns: 90, rows: 25, name: "again", command:
            "\(BerthCLI.binary) --root \(cli.root) attach detached; echo AGAIN=$?; sleep 30")
        XCTAssertTrue(cli.eventually { self.screen("again").contains("#") }, screen("again"))
        tmux.keys("exit 4", "Enter", session: "again")
        XCTAssertTrue(cli.eventually { self.screen("again").contains("AGAIN=4") }, screen("again"))
        XCTAssertTrue(cli.eventually { !cli.run(["ps", "-a"]).stdout.contains("detached") }, "--rm removed it")
    }

    /// `start -a` streams the output and exits with the container's code; `-i` sends stdin too.
    func testStartAttachAndInteractive() {
        XCTAssertEqual(cli.run(["create", "--name", "plain", "--network", "none", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]).status, 0)
        let attached = cli.run(["start", "-a", "plain"])
        XCTAssertEqual(attached.status, 3, attached.stderr)
        XCTAssertEqual(attached.stdout, "out\n")
        XCTAssertEqual(attached.stderr, "err\n")
        XCTAssertEqual(cli.run(["create", "-i", "--name", "reader", "--network", "none", "busybox", "sh", "-c", "read l; echo got:$l; exit 5"]).status, 0)
        let interactive = cli.run(["start", "-a", "-i", "reader"], stdin: "hello\n")
        XCTAssertEqual(interactive.status, 5, interactive.stderr)
        XCTAssertEqual(interactive.stdout, "got:hello\n")
        let two = cli.run(["start", "-a", "plain", "reader"])
        XCTAssertEqual(two.status, 125)
        XCTAssertEqual(two.stderr, "berth: you cannot start and attach multiple containers at once\n")
        XCTAssertEqual(cli.run(["rm", "plain", "reader"]).status, 0)
    }

    /// `run -a STREAM` prints only the streams named.
    func testRunAttachSelectsStreams() {
        let both = ["run", "--rm", "--network", "none"]
        let cmd = ["busybox", "sh", "-c", "echo out; echo err >&2"]
        let onlyErr = cli.run(both + ["-a", "STDERR"] + cmd)
        XCTAssertEqual(onlyErr.status, 0, onlyErr.stderr)
        XCTAssertEqual(onlyErr.stdout, "")
        XCTAssertEqual(onlyErr.stderr, "err\n")
        let onlyOut = cli.run(both + ["--attach", "stdout"] + cmd)
        XCTAssertEqual(onlyOut.stdout, "out\n")
        XCTAssertEqual(onlyOut.stderr, "")
        let bad = cli.run(both + ["-a", "stdweird"] + cmd)
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "berth: invalid stream 'stdweird' for -a/--attach: valid streams are stdin, stdout and stderr\n")
        let conflict = cli.run(["run", "-d", "-a", "stdout"] + cmd)
        XCTAssertEqual(conflict.status, 125)
        XCTAssertEqual(conflict.stderr, "berth: conflicting options: -a/--attach and -d/--detach\n")
    }

    func testAttachToAStoppedContainerFails() {
        XCTAssertEqual(cli.run(["create", "--name", "idle", "busybox", "true"]).status, 0)
        let r = cli.run(["attach", "idle"])
        XCTAssertEqual(r.status, 125)
        XCTAssertEqual(r.stderr, "berth: container idle is not running\n")
        XCTAssertEqual(cli.run(["rm", "idle"]).status, 0)
    }
}
