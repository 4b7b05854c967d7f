import BerthRuntime
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth --context NAME VERB` against two hosts reached over ssh (network namespaces with their
/// own sshd, made per test by `SSHTestHosts`): every verb runs on its host's state root, stdio and
/// exit codes pass through, hostile arguments arrive intact, and everything is removed after.
final class RemoteContextTests: XCTestCase {
    private var hosts: SSHTestHosts!
    private var hostAtStart: HostState?

    override func setUpWithError() throws {
        hostAtStart = HostState.take()
        // Host a runs commands with bash, host b with dash: the quoting must hold in both.
        hosts = try SSHTestHosts(shells: ["/bin/bash", "/bin/sh"])
        let a = hosts.hosts[0], b = hosts.hosts[1]
        try expectOK(hosts.berth(["context", "create", "a", "--host", "ssh://root@\(a.address)",
                                  "--identity", hosts.directory + "/client_key", "--description", "host a"]))
        try expectOK(hosts.berth(["context", "create", "b", "--host", "ssh://\(b.address):22", "--root", b.scope.path,
                                  "--identity", hosts.directory + "/client_key"]))
    }

    override func tearDown() {
        if let hosts {
            let problems = hosts.remove()
            XCTAssertEqual(problems, [], "the ssh test hosts were not fully removed")
        }
        hosts = nil
        if let start = hostAtStart {
            // Other engineers' tests come and go on this machine: a change must persist to count.
            let deadline = Date().addingTimeInterval(10)
            var changes = Self.ours(start.changes(to: HostState.take()))
            while !changes.isEmpty && Date() < deadline { usleep(200_000); changes = Self.ours(start.changes(to: HostState.take())) }
            XCTAssertEqual(changes, [], "the host changed")
        }
        super.tearDown()
    }

    func testVerbsRunOnTheirOwnHost() throws {
        let a = hosts.hosts[0], b = hosts.hosts[1]
        let idA = try expectOK(hosts.berth(["--context", "a", "run", "-d", "--name", "web", "--network", "none", "busybox", "sleep", "600"]))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let idB = try expectOK(hosts.berth(["--context=b", "run", "-d", "--name", "web", "--network", "none", "busybox", "sleep", "600"]))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(idA, idB)
        // What each host's own root holds, read locally: the independent view.
        XCTAssertEqual(a.local.run(["ps", "-q", "--no-trunc"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), idA)
        XCTAssertEqual(b.local.run(["ps", "-q", "--no-trunc"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), idB)
        XCTAssertTrue(try expectOK(hosts.berth(["--context", "a", "ps", "--no-trunc"])).stdout.contains(idA))
        XCTAssertFalse(try expectOK(hosts.berth(["--context", "a", "ps", "--no-trunc"])).stdout.contains(idB))

        // logs
        try expectOK(hosts.berth(["--context", "b", "run", "--name", "talk", "--network", "none", "busybox", "sh", "-c", "echo hello-from-b"]))
        XCTAssertEqual(try expectOK(hosts.berth(["--context", "b", "logs", "talk"])).stdout, "hello-from-b\n")
        let missing = hosts.berth(["--context", "a", "logs", "talk"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no such container"), "host a has no container talk: \(missing.stderr)")

        // exec: the exit status, stdin and stdout pass through exactly.
        XCTAssertEqual(hosts.berth(["--context", "a", "exec", "web", "sh", "-c", "exit 7"]).status, 7)
        XCTAssertEqual(hosts.berth(["--context", "a", "exec", "web", "no-such-command"]).status, 127)
        let echoed = hosts.berth(["--context", "a", "exec", "-i", "web", "cat"], stdin: "line one\nline two\n")
        XCTAssertEqual(echoed.status, 0, echoed.stderr)
        XCTAssertEqual(echoed.stdout, "line one\nline two\n")
        // A container's exit status (run without -d) and a bad argument's 125.
        XCTAssertEqual(hosts.berth(["--context", "b", "run", "--rm", "--network", "none", "busybox", "sh", "-c", "exit 3"]).status, 3)
        let bad = hosts.berth(["--context", "a", "run", "--memory", "lots", "busybox", "true"])
        XCTAssertEqual(bad.status, 125, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("berth: "), bad.stderr)

        // BERTH_CONTEXT, `context use`, and --context default (the local engine, an empty root here).
        XCTAssertTrue(try expectOK(hosts.berth(["ps", "--no-trunc"], environment: ["BERTH_CONTEXT=b"])).stdout.contains(idB))
        try expectOK(hosts.berth(["context", "use", "a"]))
        XCTAssertTrue(try expectOK(hosts.berth(["ps", "--no-trunc"])).stdout.contains(idA))
        XCTAssertTrue(try expectOK(hosts.berth(["ps", "--no-trunc"], environment: ["BERTH_CONTEXT=b", "BERTH_HOST=ssh://\(a.address)"]))
            .stdout.contains(idA), "BERTH_HOST wins over BERTH_CONTEXT")

        // A terminal: with a local tty (script's pty), `exec -t` gets one on the remote side too
        // (ssh -t); without -t it gets none.
        try Prerequisite.requireTool("script")
        let tty = hosts.client(["script", "-qec", "\(BerthCLI.binary) --context a exec -it web sh -c 'tty; exit 5'", "/dev/null"])
        XCTAssertEqual(tty.status, 5, tty.both)
        XCTAssertTrue(tty.stdout.contains("/dev/pts/"), tty.stdout)
        let noTTY = hosts.client(["script", "-qec", "\(BerthCLI.binary) --context a exec web sh -c 'tty; exit 0'", "/dev/null"])
        XCTAssertTrue(noTTY.stdout.contains("not a tty"), noTTY.stdout)
        let local = hosts.berth(["--context", "default", "--root", hosts.directory + "/local-root", "ps", "-q"])
        XCTAssertEqual(local.status, 0, local.stderr)
        XCTAssertEqual(local.stdout, "")
        try? FileManager.default.removeItem(atPath: hosts.directory + "/local-root")

        // The stream over ssh: stdin's EOF (here at once) ends it after the hello and a snapshot.
        let stream = try expectOK(hosts.berth(["--context", "b", "system", "stream", "--interval", "0.2"], stdin: ""))
        var reader = StreamReader()
        let messages = try stream.stdout.split(separator: "\n").map { try reader.read(line: $0) }
        guard messages.count >= 2, case .hello = messages[0], case .snapshot(let snapshot) = messages[1] else {
            return XCTFail("not a hello and a snapshot: \(stream.stdout.prefix(300))")
        }
        XCTAssertTrue(snapshot.containers.contains { $0.id == idB })

        // rm on a leaves b's web alone.
        try expectOK(hosts.berth(["--context", "a", "rm", "-f", "web"]))
        XCTAssertEqual(a.local.run(["ps", "-a", "-q"]).stdout, "")
        XCTAssertEqual(b.local.run(["ps", "-q", "--no-trunc"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), idB)
    }

    /// Arguments that mean something to a shell reach the remote `berth` as the same bytes, on
    /// bash (host a) and dash (host b), and nothing runs on the host because of them.
    func testHostileArgumentsArriveIntact() throws {
        let canary = hosts.directory + "/pwned"
        let hostile = ["a;b", "$(touch \(canary))", "`touch \(canary)`", "x\ny", "it's", "\"q\"", "", " spaced  out ",
                       "*", "~", "$HOME", "a|touch \(canary)", "back\\slash", "-t", "--", "#comment", "tab\there", "é ü 日本"]
        for context in ["a", "b"] {
            try expectOK(hosts.berth(["--context", context, "run", "-d", "--name", "web", "--network", "none", "busybox", "sleep", "600"]))
            let r = hosts.berth(["--context", context, "exec", "web", "printf", "[%s]\\n"] + hostile)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, hostile.map { "[\($0)]\n" }.joined(), "on host \(context)")
            // A hostile name is refused by the remote berth, whole.
            let named = hosts.berth(["--context", context, "rm", "x;touch \(canary)"])
            XCTAssertEqual(named.status, 125, named.stderr)
            XCTAssertTrue(named.stderr.contains("invalid container name 'x;touch"), named.stderr)
            let label = hosts.berth(["--context", context, "run", "-d", "--name", "lab", "--network", "none",
                                     "--label", "k=$(touch \(canary))'\"", "busybox", "sleep", "600"])
            XCTAssertEqual(label.status, 0, label.stderr)
            let shown = try expectOK(hosts.berth(["--context", context, "inspect", "--format", "{{index .Config.Labels \"k\"}}", "lab"]))
            XCTAssertEqual(shown.stdout, "$(touch \(canary))'\"\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: canary), "a hostile argument ran a command")
    }

    /// Contexts themselves: names and hosts validated before anything is stored, the file 0600,
    /// and an unreachable host reported by ssh with its exit status 255.
    func testContextsAreValidatedAndPrivate() throws {
        for (args, what) in [
            (["context", "create", "x", "--host", "ssh://-oProxyCommand=touch%20/tmp/x"], "option injection in the host"),
            (["context", "create", "x", "--host", "ssh://-x@h"], "option injection in the user"),
            (["context", "create", "x", "--host", "http://h"], "not ssh"),
            (["context", "create", "x", "--host", "ssh://h:0"], "port 0"),
            (["context", "create", "x", "--host", "ssh://h/path"], "a path"),
            (["context", "create", "../x", "--host", "ssh://h"], "a path as a name"),
            (["context", "create", "default", "--host", "ssh://h"], "the reserved name"),
            (["context", "create", "a", "--host", "ssh://h"], "an existing name"),
            (["context", "create", "y", "--host", "ssh://h", "--identity", "-oProxyCommand=x"], "an identity read as an option"),
            (["context", "create", "y", "--host", "ssh://h", "--root", "relative"], "a relative root"),
            (["--context", "nope", "ps"], "an unknown context"),
            (["ps"], "a bad BERTH_HOST"),
        ] {
            let r = hosts.berth(args, environment: what == "a bad BERTH_HOST" ? ["BERTH_HOST=ssh://-oX"] : [])
            XCTAssertEqual(r.status, 125, "\(what): \(r.both)")
            XCTAssertTrue(r.stderr.hasPrefix("berth: ") && r.stderr.split(separator: "\n").count == 1, "\(what): \(r.stderr)")
        }
        let file = hosts.directory + "/config/berth/contexts.json"
        var st = stat()
        XCTAssertEqual(stat(file, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        let ls = try expectOK(hosts.berth(["context", "ls", "-q"]))
        XCTAssertEqual(ls.stdout, "default\na\nb\n")
        try expectOK(hosts.berth(["context", "rm", "b"]))
        XCTAssertEqual(try expectOK(hosts.berth(["context", "ls", "-q"])).stdout, "default\na\n")
        let unreachable = hosts.berth(["ps"], environment: ["BERTH_HOST=ssh://10.213.0.200"], timeout: 60)
        XCTAssertEqual(unreachable.status, 255, unreachable.both)
    }

    /// The changes that can be this test's: a new temporary entry named after another live
    /// process (`berth-plan-PID-…` of a test another engineer runs) is that process's.
    private static func ours(_ changes: [String]) -> [String] {
        changes.filter { change in
            guard change.hasPrefix("new entry ") else { return true }
            let numbers = change.split(whereSeparator: { !$0.isASCIIDigit }).compactMap { pid_t($0) }
            return !numbers.contains { $0 != getpid() && $0 > 1 && kill($0, 0) == 0 }
        }
    }

    /// The client side a multi-host dashboard uses: one `StreamConnection` per host. Host b
    /// going silent (its link down) is unreachable within seconds while host a keeps updating;
    /// its link back up, it answers again; its ssh session killed, it reconnects.
    func testStreamConnectionsSurviveAHostFailure() throws {
        let b = hosts.hosts[1]
        let idB = try expectOK(hosts.berth(["--context", "b", "run", "-d", "--name", "web", "--network", "none", "busybox", "sleep", "600"]))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Host a is given longer before it counts as silent: the test asserts it never reconnects,
        // and a loaded CI machine once stalled its stream for over 2 s (a second hello, no failure
        // of b's in sight); b keeps the short limit that the test's waits rely on.
        let a = StreamConnection(argv: hosts.clientArgv(["--context", "a", "system", "stream", "--interval", "0.2"]), staleAfter: 10, backoff: 0.2...1)
        let bConn = StreamConnection(argv: hosts.clientArgv(["--context", "b", "system", "stream", "--interval", "0.2"]), staleAfter: 2, backoff: 0.2...1)
        a.start(); bConn.start()
        defer { a.stop(); bConn.stop() }
        func wait(_ what: String, _ condition: () -> Bool) {
            let deadline = Date().addingTimeInterval(30)
            while !condition() && Date() < deadline { usleep(50_000) }
            XCTAssertTrue(condition(), what)
        }
        wait("both hosts stream") { a.current.snapshot != nil && bConn.current.snapshot?.containers.contains { $0.id == idB } == true }

        try hosts.setLink(of: b, up: false)
        wait("host b is unreachable") { bConn.current.unreachableSince != nil }
        let marked = Date()
        wait("host a keeps updating") { (a.current.lastLine ?? .distantPast) > marked.addingTimeInterval(0.5) }
        XCTAssertNil(a.current.unreachableSince)
        XCTAssertTrue(bConn.current.snapshot?.containers.contains { $0.id == idB } == true, "b's last known state is kept")

        try hosts.setLink(of: b, up: true)
        wait("host b answers again") { bConn.current.unreachableSince == nil }

        let sessions = hosts.sessions(of: b)
        XCTAssertFalse(sessions.isEmpty)
        for pid in sessions { kill(pid, SIGTERM) }
        wait("host b reconnects") { bConn.current.connections >= 2 && bConn.current.unreachableSince == nil }
        XCTAssertEqual(a.current.connections, 1, "host a's stream ended: \(a.current.lastEnd ?? "-"); host a's sshd log: \(hosts.sshdLog(of: hosts.hosts[0]))")
    }

    /// `berth top --context a --context b` in tmux: the containers of both hosts with a HOST
    /// column; `s` stops one on host b (seen by `berth --context b ps`); host b's sshd killed by
    /// PID, b shows unreachable while a keeps updating (a container started on a appears); b's
    /// sshd restarted, b answers again.
    func testDashboardOverTwoHosts() throws {
        for (host, name) in [("a", "alpha"), ("b", "beta"), ("b", "gamma")] {
            try expectOK(hosts.berth(["--context", host, "run", "-d", "--name", name, "--network", "none", "busybox", "sleep", "600"]))
        }
        let tmux = try Tmux(socket: "berth-fleet-\(getpid())")
        tmux.killServer()
        defer { tmux.killServer() }
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let argv = hosts.clientArgv(["top", "--context", "a", "--context", "b", "--interval", "0.5"])
        try tmux.newSession(columns: 120, rows: 40, command: "env LANG=C.UTF-8 TERM=xterm-256color "
                            + argv.map(quote).joined(separator: " ") + "; sleep 600")
        func waitFor(_ what: String, timeout: Double = 30, _ predicate: (String) -> Bool) throws -> String {
            let (match, last) = tmux.waitForScreen(timeout: timeout, predicate)
            guard let match else {
                XCTFail("\(what) within \(Int(timeout)) s; the screen:\n\(last)")
                throw NSError(domain: "berth", code: 1, userInfo: [NSLocalizedDescriptionKey: what])
            }
            return match
        }
        func row(_ screen: String, _ name: String) -> String? {
            screen.split(separator: "\n").first { $0.contains(" \(name) ") }.map(String.init)
        }
        let first = try waitFor("the containers of both hosts") { s in
            ["alpha", "beta", "gamma"].allSatisfy { row(s, $0) != nil } && s.contains("2 answering")
        }
        XCTAssertTrue(first.contains("HOST"), first)
        XCTAssertTrue(row(first, "beta")?.contains(" b ") == true, "beta's row names host b: \(first)")
        XCTAssertTrue(row(first, "alpha")?.contains(" a ") == true, "alpha's row names host a: \(first)")

        // Select beta through the filter and stop it: the stop runs on host b.
        tmux.type("/beta"); tmux.keys("Enter")
        _ = try waitFor("the filter showing beta alone") { s in row(s, "beta") != nil && row(s, "gamma") == nil }
        tmux.keys("s")
        let deadline = Date().addingTimeInterval(30)
        while hosts.berth(["--context", "b", "ps"]).stdout.contains("beta") && Date() < deadline { usleep(200_000) }
        let psB = try expectOK(hosts.berth(["--context", "b", "ps", "-a"])).stdout
        let runningB = try expectOK(hosts.berth(["--context", "b", "ps"])).stdout
        XCTAssertTrue(psB.contains("beta") && !runningB.contains("beta"), "beta stopped on host b: \(psB)")
        XCTAssertTrue(try expectOK(hosts.berth(["--context", "a", "ps"])).stdout.contains("alpha"), "host a untouched")
        tmux.keys("Escape")

        // `e` on alpha: the dashboard hands the terminal to `ssh -t` running `berth exec -it` on
        // host a; what is typed runs in the container there, and the dashboard comes back.
        tmux.type("/alpha"); tmux.keys("Enter")
        _ = try waitFor("the filter showing alpha alone") { s in row(s, "alpha") != nil && row(s, "gamma") == nil }
        tmux.keys("e")
        _ = try waitFor("the remote container's shell, not the dashboard") { s in s.contains("/ #") && !s.contains("answering") }
        tmux.type("echo $((6*7)) > /tmp/exec-mark; exit"); tmux.keys("Enter")
        _ = try waitFor("the dashboard again, the shell's end said") { s in row(s, "alpha") != nil && s.contains("shell in alpha ended") }
        XCTAssertEqual(try expectOK(hosts.berth(["--context", "a", "exec", "alpha", "cat", "/tmp/exec-mark"])).stdout, "42\n",
                       "the shell ran in alpha on host a")
        XCTAssertNotEqual(hosts.berth(["--context", "b", "exec", "gamma", "cat", "/tmp/exec-mark"]).stdout, "42\n")
        tmux.keys("Escape")

        // Host b fails: its sshd and sessions killed by PID.
        try hosts.killSSHD(of: "b")
        let down = try waitFor("host b unreachable", timeout: 15) { s in s.contains("unreachable since") && row(s, "gamma") != nil }
        XCTAssertTrue(down.contains("1 unreachable"), down)
        // Host a keeps updating meanwhile: a container started there appears.
        try expectOK(hosts.berth(["--context", "a", "run", "-d", "--name", "delta", "--network", "none", "busybox", "sleep", "600"]))
        let later = try waitFor("host a's new container while b is down", timeout: 20) { s in row(s, "delta") != nil }
        XCTAssertTrue(later.contains("unreachable since"), "b is still down: \(later)")

        // Host b back: the dashboard reconnects (backoff up to 30 s).
        try hosts.restartSSHD(of: "b")
        _ = try waitFor("host b answering again", timeout: 60) { s in s.contains("2 answering") && !s.contains("unreachable") }
        tmux.keys("q")
    }

    @discardableResult
    private func expectOK(_ r: Subprocess.Result, file: StaticString = #filePath, line: UInt = #line) throws -> Subprocess.Result {
        guard r.status == 0 else {
            XCTFail("exit \(r.status): \(r.stderr)", file: file, line: line)
            throw NSError(domain: "berth", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr])
        }
        return r
    }
}
