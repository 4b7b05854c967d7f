// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import Foundation
import BerthRuntime
#if canImport(Glibc)
import Glibc
#endif

/// One test root on the host: its state directory, its cgroup parent, its bridge, and what the
/// tests ran in it. Checks are scoped to these names, because other engineers run Berth's tests on
/// the same machine at the same time.
public struct TestRootScope: Sendable {
    public let path: String
    public let cgroupParent: String

    public init(path: String, cgroupParent: String) {
        self.path = path
        self.cgroupParent = cgroupParent
        TestSafety.outboundOff()
        TestRun.record(root: path)
    }

    /// `/var/tmp/berth-test-LABEL-PID` with cgroup parent `berth-test-LABEL-PID`.
    public init(label: String) {
        let name = "berth-test-\(label)-\(getpid())"
        self.init(path: "/var/tmp/" + name, cgroupParent: name)
    }

    /// The root's bridge interface (derived from the root's path, as the engine derives it).
    public var bridge: String? { try? BridgeNetwork.defaults(root: path, subnetOverride: nil).bridge }

    /// The cgroup parent's directory in every hierarchy this process sees.
    public var cgroupDirectories: [String] {
        CgroupMount.all().map { $0.directory(ofRelativeParent: cgroupParent) }
    }

    /// What is left of the root's containers once they have been removed: their state
    /// directories, cgroups, supervisors, and veths (by name from `containerIDs`, or enslaved to the
    /// root's bridge). Containers whose id starts with one of `keeping` (made by the class, not
    /// the test) and what belongs to them are not counted. Empty when clean.
    public func containerLeftovers(containerIDs: [String] = [], keeping: [String] = []) -> [String] {
        func kept(_ s: String) -> Bool { keeping.contains { s.hasPrefix($0) || s.contains("/" + $0) } }
        var out: [String] = []
        let left = HostState.entries(of: path + "/containers").filter { !$0.hasPrefix(".") && !$0.hasSuffix(".lock") && !kept($0) }
        out += left.sorted().map { "container directory left: \(path)/containers/\($0)" }
        for dir in cgroupDirectories where access(dir, F_OK) == 0 {
            let children = HostState.subdirectories(of: dir).filter { !kept($0) }.sorted()
            if keeping.isEmpty || !children.isEmpty {
                out.append("cgroup left: \(dir)" + (children.isEmpty ? "" : " with \(children.joined(separator: ", "))"))
            }
        }
        for pid in HostLeaks.processes(mentioning: path) {
            let cmd = HostLeaks.commandLine(pid)
            if !keeping.contains(where: { cmd.contains($0) }) { out.append("process \(pid) still runs: \(cmd)") }
        }
        // A container's veths are "berth" + 9 hex of its id (eth0's) and the same + a digit (eth1…).
        let names = containerIDs.map { "berth" + $0.prefix(9) }
        let keptNames = keeping.map { "berth" + $0.prefix(9) }
        let bridges = Set([bridge].compactMap { $0 } + userNetworks.map(\.bridge))
        for link in HostLeaks.interfaces() where !keptNames.contains(where: { link.hasPrefix($0) && link.count <= 15 }) {
            let master = HostLeaks.master(of: link)
            if names.contains(where: { link.hasPrefix($0) && link.count <= $0.count + 1 }) || (master.map(bridges.contains) ?? false) {
                out.append("interface left: \(link)" + (master.map { " (on \($0))" } ?? ""))
            }
        }
        out += userNetworks.map { "network left: \($0.name) (\($0.bridge))" }
        return out
    }

    /// The networks `network create` made in this root (all but the default bridge).
    public var userNetworks: [(name: String, bridge: String)] {
        HostState.entries(of: path + "/networks").filter { $0.hasSuffix(".json") && $0 != "bridge.json" }.compactMap {
            let object = FileManager.default.contents(atPath: path + "/networks/" + $0)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            guard let name = object?["name"] as? String, let bridge = object?["bridge"] as? String else { return nil }
            return (name, bridge)
        }
    }
}

extension TestRootScope {
    /// The per-test check: `containerLeftovers` plus how the host changed since `start`, polled
    /// until clean or `timeout` passes (supervisors finish tearing down just after `rm -f`
    /// returns). Empty when clean; otherwise one line per leftover.
    public func leftovers(since start: HostState, containerIDs: [String], keeping: [String] = [], timeout: Double = 10) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let problems = containerLeftovers(containerIDs: containerIDs, keeping: keeping) + start.changes(to: HostState.take())
            if problems.isEmpty || Date() > deadline { return problems }
            usleep(100_000)
        }
    }
}

/// Host-wide lookups the checks share.
public enum HostLeaks {
    /// PIDs other than this process whose command line mentions `text` (a supervisor carries its plan's path).
    public static func processes(mentioning text: String) -> [Int32] {
        HostState.entries(of: "/proc").compactMap { Int32($0) }.filter { pid in
            pid != getpid() && commandLine(pid).contains(text)
        }.sorted()
    }

    public static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Network interfaces of the host's (this process's) namespace.
    public static func interfaces() -> [String] { HostState.entries(of: "/sys/class/net").sorted() }

    /// The bridge an interface is enslaved to.
    public static func master(of link: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/sys/class/net/\(link)/master", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    public static func interfaceExists(_ name: String) -> Bool { access("/sys/class/net/\(name)", F_OK) == 0 }

    /// `finalLeftovers()` once nothing is left, or after `seconds` of looking: class tear-downs have
    /// just run, and their supervisors may take a moment to go. Each test target's last class
    /// (`ZZZHostLeakFinalTests`) asserts on it.
    public static func finalLeftoversOnceSettled(seconds: Double = 10) -> [String] {
        var left: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            left = finalLeftovers()
            if left.isEmpty { break }
            usleep(100_000)
        } while Date() < deadline
        return left
    }

    /// Everything this test process's roots left on the host, looked for by name (`berth-test-*-PID`)
    /// rather than through the roots' bookkeeping: state directories, cgroups in every hierarchy,
    /// processes, bridges and veths of this run, named network namespaces and nftables tables
    /// called berth*, and changes to the hostname and canary directories since the run started.
    public static func finalLeftovers() -> [String] {
        let suffix = "-\(getpid())"
        func ours(_ name: Substring) -> Bool { name.hasPrefix("berth-test-") && name.hasSuffix(suffix) }
        var out: [String] = []
        for name in HostState.entries(of: "/var/tmp").sorted() where ours(Substring(name)) {
            out.append("test root left: /var/tmp/\(name)")
        }
        for mount in CgroupMount.all() {
            var found: [String] = []
            func walk(_ dir: String, _ level: Int) {
                for child in HostState.subdirectories(of: dir) {
                    if ours(Substring(child)) { found.append(dir + "/" + child) } else if level < 6 { walk(dir + "/" + child, level + 1) }
                }
            }
            walk(mount.mountPoint, 1)
            out += found.sorted().map { "cgroup left: \($0)" }
        }
        for pid in HostState.entries(of: "/proc").compactMap(Int32.init) where pid != getpid() {
            let cmd = commandLine(pid)
            guard let r = cmd.range(of: "/var/tmp/berth-test-") else { continue }
            let component = cmd[r.lowerBound...].dropFirst("/var/tmp/".count).prefix { $0 != "/" && $0 != " " }
            if ours(component) { out.append("process \(pid) still runs: \(cmd)") }
        }
        let run = TestRun.snapshot()
        let bridges = Set(run.roots.compactMap { try? BridgeNetwork.defaults(root: $0, subnetOverride: nil).bridge })
        let veths = Set(run.containerIDs.map { "berth" + $0.prefix(9) })
        for link in interfaces() {
            if bridges.contains(link) { out.append("bridge left: \(link)") }
            else if veths.contains(link) || master(of: link).map(bridges.contains) == true { out.append("interface left: \(link)") }
        }
        // Berth makes neither; any called berth* is somebody's leak.
        out += HostState.entries(of: "/run/netns").filter { $0.hasPrefix("berth") }.sorted().map { "network namespace left: /run/netns/\($0)" }
        if let nft = Prerequisite.find("nft") {
            let r = Subprocess.run(nft, ["list", "tables"], timeout: 20)
            for line in r.stdout.split(separator: "\n") where line.split(separator: " ").last?.hasPrefix("berth") == true {
                out.append("nftables table left: \(line)")
            }
        }
        if let start = run.start { out += start.changes(to: HostState.take()).filter { !$0.hasPrefix("new mount") && !$0.hasPrefix("mount gone") } }
        return out
    }
}

/// What this test process has done so far, for the final sweep.
public enum TestRun {
    public struct Record: Sendable {
        public var roots: Set<String> = []
        public var containerIDs: Set<String> = []
        /// The host when the first root was set up.
        public var start: HostState?
    }

    nonisolated(unsafe) private static var record = Record()
    private static let lock = NSLock()

    public static func record(root: String) {
        lock.lock(); defer { lock.unlock() }
        if record.start == nil { record.start = HostState.take() }
        record.roots.insert(root)
    }

    public static func record(containerIDs: [String]) {
        lock.lock(); defer { lock.unlock() }
        record.containerIDs.formUnion(containerIDs)
    }

    public static func snapshot() -> Record {
        lock.lock(); defer { lock.unlock() }
        return record
    }
}
#endif
