import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion and returns its status and output.
///
/// Not Foundation's `Process`: on Linux it learns that a child exited when a socket the child
/// inherits is closed, and `tmux new-session` leaves a server behind that inherits it, so the
/// call would wait for the tmux server to exit. Here the child is spawned with only stdin, stdout
/// and stderr (to temporary files) and reaped with `waitpid`.
struct E2ECommand {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var both: String { stdout + stderr }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not import.
    static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    static func run(_ executable: String, _ args: [String], timeout: Double = 60) -> Result {
        let base = NSTemporaryDirectory() + "berth-e2e-\(getpid())-\(UUID().uuidString)"
        let outPath = base + ".out", errPath = base + ".err"
        defer { unlink(outPath); unlink(errPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let env: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in env { free(e) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, env)
        guard rc == 0 else { return Result(status: -1, stdout: "", stderr: "\(executable): \(String(cString: strerror(rc)))") }

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if !timedOut && Date() > deadline { kill(pid, SIGKILL); timedOut = true }
            usleep(2_000)
        }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        // WIFEXITED/WEXITSTATUS are macros: decode by hand.
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: read(outPath), stderr: read(errPath) + (timedOut ? "\n(killed after \(timeout) s)" : ""))
    }

    /// The executable called `name` on PATH.
    static func find(_ name: String) -> String? { Prerequisite.find(name) }
}

/// The real `berth` binary against the e2e root and cgroup parent.
struct E2EBerth {
    let root: String
    let cgroupParent: String

    /// `berth` sits beside the test bundle (`<scratch>/debug/BerthPackageTests.xctest`), whatever
    /// scratch path the build used.
    static var binary: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var dir = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        if let r = dir.range(of: "/BerthPackageTests.xctest") { dir = String(dir[..<r.lowerBound]) }
        return dir + "/berth"
    }

    /// The global options every call takes (they go before the verb).
    var globalArgs: [String] { ["--root", root, "--cgroup-parent", cgroupParent] }

    @discardableResult
    func run(_ args: [String], timeout: Double = 60) -> E2ECommand.Result {
        E2ECommand.run(Self.binary, globalArgs + args, timeout: timeout)
    }

    /// `ps -a --json` as name → the container's object.
    func containers() throws -> [String: [String: Any]] {
        let r = run(["ps", "-a", "--json"])
        guard r.status == 0 else { throw E2EError("berth ps -a --json failed (\(r.status)): \(r.stderr)") }
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        var byName: [String: [String: Any]] = [:]
        for c in list { if let name = c["name"] as? String { byName[name] = c } }
        return byName
    }

    /// `state.status` of a container from `ps -a --json`, nil when it is not listed.
    func status(_ name: String) throws -> String? {
        let state = try containers()[name]?["state"] as? [String: Any]
        return state?["status"] as? String
    }

    /// Starts a detached busybox container running `sh -c script`.
    func start(_ name: String, _ script: String, extra: [String] = []) throws {
        let r = run(["run", "-d", "--name", name] + extra + ["busybox", "sh", "-c", script])
        guard r.status == 0 else { throw E2EError("berth run \(name) failed (\(r.status)): \(r.both)") }
    }

    /// Force-removes every container of the root.
    func removeAll() -> E2ECommand.Result? {
        let ids = run(["ps", "-a", "-q"]).stdout.split(separator: "\n").map(String.init)
        return ids.isEmpty ? nil : run(["rm", "-f"] + ids)
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One container row of the table, picked apart: `● e2e-busy  busybox:latest  55.0% ⣀⣤ 1.2M/64M …`.
struct E2ERow {
    let line: String
    let tokens: [Substring]

    /// The table row of container `name` on `screen` (its state glyph, then the name).
    init?(_ name: String, in screen: String) {
        let pattern = "[●○◌◐✖*.o~x] +" + NSRegularExpression.escapedPattern(for: name) + " "
        guard let line = screen.split(separator: "\n").first(where: { $0.range(of: pattern, options: .regularExpression) != nil }) else {
            return nil
        }
        self.line = String(line)
        tokens = line.split(whereSeparator: { $0 == " " || $0 == "│" || $0 == "|" })
    }

    /// The CPU column's figure (`55.0%` → 55.0).
    var cpuPercent: Double? {
        tokens.first { $0.hasSuffix("%") }.flatMap { Double($0.dropLast()) }
    }

    /// The MEM column: used bytes, and the limit when there is one (`1.2M/64M`).
    var memory: (used: Double, limit: Double?)? {
        guard let cpu = tokens.firstIndex(where: { $0.hasSuffix("%") }) else { return nil }
        for t in tokens[(cpu + 1)...] {
            let parts = t.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let used = Self.bytes(parts[0]) else { continue }
            return (used, parts.count == 2 ? Self.bytes(parts[1]) : nil)
        }
        return nil
    }

    /// `Format.bytes` read back: `1023B`, `1.5K`, `64M`.
    static func bytes(_ s: Substring) -> Double? {
        guard let unit = s.last, let i = "BKMGTP".firstIndex(of: unit), let v = Double(s.dropLast()) else { return nil }
        return v * pow(1024, Double("BKMGTP".distance(from: "BKMGTP".startIndex, to: i)))
    }
}
