// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The cgroup hierarchies this process sees, read from /proc/self/mountinfo and /proc/self/cgroup
/// (v1, hybrid and v2 alike; nothing about /sys/fs/cgroup is assumed).
public struct CgroupMount: Equatable, Sendable {
    public var mountPoint: String
    /// The cgroup of the hierarchy that is mounted there (`/` unless in a cgroup namespace).
    public var root: String
    public var isV2: Bool
    /// v1: the controllers (`cpu`, `name=systemd`); empty for v2.
    public var controllers: Set<String>

    public static func all() -> [CgroupMount] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { return nil }
            let left = halves[0].split(separator: " "), right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3, right[0] == "cgroup" || right[0] == "cgroup2" else { return nil }
            let options = Set(right[2].split(separator: ",").map(String.init))
            let controllers = right[0] == "cgroup2" ? [] : options.subtracting(["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "xattr"])
            return CgroupMount(mountPoint: unescape(String(left[4])), root: unescape(String(left[3])), isV2: right[0] == "cgroup2", controllers: controllers)
        }
    }

    /// This process's cgroup in this hierarchy, from /proc/self/cgroup.
    public var currentPath: String? {
        let text = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let names = Set(parts[1].split(separator: ",").map(String.init))
            if isV2 ? (parts[0] == "0" && parts[1].isEmpty) : (!names.isEmpty && names == controllers) { return String(parts[2]) }
        }
        return nil
    }

    /// Where a relative `--cgroup-parent` lands in this hierarchy: below this process's cgroup.
    public func directory(ofRelativeParent parent: String) -> String {
        var current = currentPath ?? "/"
        if root != "/", current.hasPrefix(root) { current = String(current.dropFirst(root.count)) }
        let base = mountPoint + (current == "/" ? "" : current)
        return base + "/" + parent
    }

    /// Directories named `name` down to `depth` levels below the mount point (only directories are listed).
    public func directories(named name: String, depth: Int = 6) -> [String] {
        var found: [String] = []
        func walk(_ dir: String, _ level: Int) {
            for child in HostState.subdirectories(of: dir) {
                let path = dir + "/" + child
                if child == name { found.append(path) }
                if level < depth { walk(path, level + 1) }
            }
        }
        walk(mountPoint, 1)
        return found
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8](), bytes = Array(s.utf8), i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 4 <= bytes.count,
               let v = UInt8(String(decoding: bytes[(i + 1)..<min(i + 4, bytes.count)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the host looked like when a test started: hostname, mount table, and the entries of a few
/// canary directories (with their modification times), so a test that changed them is caught.
public struct HostState: Equatable, Sendable {
    public var hostname: String
    /// mountinfo lines without the mount and parent ids (not stable identifiers of a mount).
    public var mounts: [String]
    /// Canary directory → entry name → modification time (seconds).
    public var canaries: [String: [String: Int]]
    /// `net.ipv4.ip_forward` of the host's network namespace (the test process's): Berth must never
    /// turn it on here (outbound access is off for every test root, OutboundSetting).
    public var ipForward: String = ""
    /// `net.ipv6.conf.all.forwarding` of the same namespace: an IPv6 network never turns it on here.
    public var ip6Forward: String = ""
    /// The host's nftables tables (`nft list tables`, empty without nft): Berth adds none here.
    public var nftTables: [String] = []

    /// Directories where a test must create nothing (top level only).
    public static let canaryDirectories = ["/etc", "/root", "/tmp", "/var/tmp"]

    public static func take() -> HostState {
        TestSafety.outboundOff()
        var canaries: [String: [String: Int]] = [:]
        for dir in canaryDirectories {
            var entries: [String: Int] = [:]
            for name in HostState.entries(of: dir) where !ignoredCanaryEntry(name) {
                var st = stat()
                if lstat(dir + "/" + name, &st) == 0 { entries[name] = Int(st.st_mtim.tv_sec) }
            }
            canaries[dir] = entries
        }
        return HostState(hostname: hostname(), mounts: mountLines(), canaries: canaries,
                         ipForward: ipForward(), ip6Forward: ip6Forward(), nftTables: nftTables())
    }

    public static func ipForward() -> String {
        ((try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func ip6Forward() -> String {
        ((try? String(contentsOfFile: "/proc/sys/net/ipv6/conf/all/forwarding", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every table of the host's ruleset, "family name" lines, sorted; empty when nft is missing.
    public static func nftTables() -> [String] {
        let candidates: [String] = ["/usr/sbin/nft", "/sbin/nft"]
        guard let nft = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return [] }
        return Subprocess.run(nft, ["list", "tables"]).stdout.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
    }

    public static func hostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func mountLines() -> [String] {
        ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") }
            .filter { !ignoredMount($0) }.sorted()
    }

    /// Other engineers build and test on the same machine: their test roots (`berth-test-*` of other
    /// processes), the toolchain's scratch files and command logs are not ours to judge.
    public static func ignoredCanaryEntry(_ name: String) -> Bool {
        let prefixes = ["berth-test-", "TemporaryDirectory.", "bash_", "tmux-", ".swift", "swift-", "clang-", "sh-thd"]
        let suffixes = [".lock", ".log", ".time", ".tmp"]
        return prefixes.contains { name.hasPrefix($0) } || suffixes.contains { name.hasSuffix($0) }
    }

    /// On a shared machine (not CI) other people's commands write to /tmp and /var/tmp all the time:
    /// there only names that look like Berth's count. Under CI (a machine of its own) every new
    /// entry counts. /etc and /root always count fully.
    static func counts(_ name: String, in dir: String) -> Bool {
        guard dir == "/tmp" || dir == "/var/tmp", !Prerequisite.isCI else { return true }
        return name.lowercased().contains("berth") || name.hasPrefix(".tmp-")
    }

    /// Mounts under another process's test root (concurrent runs) are not ours.
    static func ignoredMount(_ line: String) -> Bool {
        let fields = line.split(separator: " ")
        guard fields.count > 2 else { return false }
        let point = fields[2]
        guard let r = point.range(of: "/berth-test-") else { return false }
        let component = point[r.upperBound...].prefix { $0 != "/" }
        return !component.hasSuffix("-\(getpid())")
    }

    /// What changed from `self` to `now`, as lines a failure message can show.
    public func changes(to now: HostState) -> [String] {
        var out: [String] = []
        if now.hostname != hostname { out.append("hostname changed: \(hostname) → \(now.hostname)") }
        if now.ipForward != ipForward { out.append("net.ipv4.ip_forward of the host changed: \(ipForward) → \(now.ipForward)") }
        if now.ip6Forward != ip6Forward { out.append("net.ipv6.conf.all.forwarding of the host changed: \(ip6Forward) → \(now.ip6Forward)") }
        for t in Set(now.nftTables).subtracting(nftTables).sorted() { out.append("new nftables \(t) on the host") }
        for t in Set(nftTables).subtracting(now.nftTables).sorted() { out.append("nftables \(t) of the host gone") }
        let before = Set(mounts), after = Set(now.mounts)
        for m in after.subtracting(before).sorted() { out.append("new mount: \(m)") }
        for m in before.subtracting(after).sorted() { out.append("mount gone: \(m)") }
        for (dir, entries) in canaries.sorted(by: { $0.key < $1.key }) {
            let later = now.canaries[dir] ?? [:]
            for name in Set(later.keys).subtracting(entries.keys).sorted() where Self.counts(name, in: dir) {
                out.append("new entry \(dir)/\(name)")
            }
            // /etc's files are the host's configuration: rewriting one is a leak too.
            if dir == "/etc" {
                for (name, time) in later.sorted(by: { $0.key < $1.key }) where entries[name].map({ $0 != time }) ?? false {
                    out.append("modified \(dir)/\(name)")
                }
            }
        }
        return out
    }

    /// Names in `dir`, without `.` and `..`; empty when it cannot be read.
    public static func entries(of dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Subdirectories of `dir` (by d_type, so a cgroup walk stats nothing).
    public static func subdirectories(of dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            guard e.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension CgroupMount {
    /// A process's cgroup directory in each hierarchy, from /proc/PID/cgroup.
    public static func directories(ofProcess pid: Int32) -> [(mount: CgroupMount, directory: String)] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        var out: [(CgroupMount, String)] = []
        for mount in all() {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                let names = Set(parts[1].split(separator: ",").map(String.init))
                guard mount.isV2 ? (parts[0] == "0" && parts[1].isEmpty) : (!names.isEmpty && names == mount.controllers) else { continue }
                var path = String(parts[2])
                if mount.root != "/", path.hasPrefix(mount.root) { path = String(path.dropFirst(mount.root.count)) }
                out.append((mount, mount.mountPoint + (path == "/" ? "" : path)))
            }
        }
        return out
    }

    /// The control file of a process's cgroup that holds a setting, whichever the layout: `v1` in
    /// the v1 hierarchy of `controller` when there is one, else `v2` in the unified hierarchy.
    public static func controlFile(ofProcess pid: Int32, controller: String, v1: String, v2: String) -> String? {
        let dirs = directories(ofProcess: pid)
        if let d = dirs.first(where: { !$0.mount.isV2 && $0.mount.controllers.contains(controller) }) {
            return d.directory + "/" + v1
        }
        if let d = dirs.first(where: { $0.mount.isV2 }), access(d.directory + "/" + v2, F_OK) == 0 {
            return d.directory + "/" + v2
        }
        return nil
    }
}
#endif
