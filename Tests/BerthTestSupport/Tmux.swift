// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tmux server of the test's own (`tmux -L SOCKET -f /dev/null`), so a test never sees or
/// touches anybody else's sessions, nor a user's configuration: the one driver of a real terminal
/// for the attach, `exec -t`, terminal and dashboard end-to-end tests.
///
/// Give each test (or each fresh start within a test) its own socket: a server still shutting
/// down must never be the one a new session talks to. `killServer()` when done.
public struct Tmux: Sendable {
    public let path: String
    public let socket: String

    /// tmux from PATH; without it the test is skipped (or fails under CI), as `Prerequisite` says.
    public init(socket: String, file: StaticString = #filePath, line: UInt = #line) throws {
        path = try Prerequisite.requireTool("tmux", file: file, line: line)
        self.socket = socket
    }

    /// With tmux's path already found (a test starting several servers).
    public init(path: String, socket: String) {
        self.path = path
        self.socket = socket
    }

    /// Runs a tmux command on this server. Only commands that cannot start the server capture
    /// output: a new server would inherit and hold any pipe it was given.
    @discardableResult
    public func run(_ args: [String]) -> Subprocess.Result {
        let startsServer = ["new-session", "new", "start-server"].contains(args.first ?? "")
        return Subprocess.run(path, ["-L", socket, "-f", "/dev/null"] + args, capture: !startsServer, timeout: 20)
    }

    /// A detached session of `columns`×`rows` running `command` (through the shell).
    public func newSession(columns: Int, rows: Int, name: String? = nil, command: String) throws {
        let named = name.map { ["-s", $0] } ?? []
        let r = run(["new-session", "-d"] + named + ["-x", "\(columns)", "-y", "\(rows)", command])
        guard r.status == 0 else { throw TmuxError("tmux new-session exited with \(r.status) for: \(command)") }
    }

    /// The visible pane as plain text (with `escapes`, with its colours and attributes as SGR sequences).
    public func screen(_ session: String? = nil, escapes: Bool = false) -> String {
        run(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + target(session)).stdout
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-p`, `q`) to the pane.
    public func keys(_ names: String..., session: String? = nil) {
        run(["send-keys"] + target(session) + names)
    }

    /// Types `text` literally.
    public func type(_ text: String, session: String? = nil) {
        run(["send-keys"] + target(session) + ["-l", text])
    }

    /// Polls the pane every 150 ms until `predicate` holds or `timeout` seconds pass: the matching
    /// screen, or nil with the last screen seen (for the failure message).
    public func waitForScreen(timeout: Double, session: String? = nil,
                              _ predicate: (String) throws -> Bool) rethrows -> (match: String?, last: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        repeat {
            last = screen(session)
            if try predicate(last) { return (last, last) }
            usleep(150_000)
        } while Date() < deadline
        return (nil, last)
    }

    public func resize(columns: Int, rows: Int, session: String? = nil) {
        run(["resize-window"] + target(session) + ["-x", "\(columns)", "-y", "\(rows)"])
    }

    /// A tmux format evaluated for the pane (`#{alternate_on}`, `#{pane_pid}`, `#{pane_tty}`, …).
    public func format(_ format: String, session: String? = nil) -> String {
        run(["display-message", "-p"] + target(session) + [format]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server and removes its socket file, which tmux leaves behind.
    public func killServer() {
        run(["kill-server"])
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(dir)/tmux-\(getuid())/\(socket)")
    }

    private func target(_ session: String?) -> [String] { session.map { ["-t", $0] } ?? [] }
}

public struct TmuxError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
#endif
