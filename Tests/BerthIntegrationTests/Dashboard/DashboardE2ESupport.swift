import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `berth` binary against the e2e root and cgroup parent.
struct E2EBerth {
    let root: String
    let cgroupParent: String

    static var binary: String { BerthCLI.binary }

    /// The global options every call takes (they go before the verb).
    var globalArgs: [String] { ["--root", root, "--cgroup-parent", cgroupParent] }

    @discardableResult
    func run(_ args: [String], timeout: Double = 60) -> Subprocess.Result {
        Subprocess.run(Self.binary, globalArgs + args, throughFiles: true, timeout: timeout)
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
    func removeAll() -> Subprocess.Result? {
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
