import BerthOCI
import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one validator of `RunOptions`, and the parsers of docker's syntax for them. Values come
/// from users and compose files and end up in /etc/hosts, resolv.conf, /proc/sys paths and the
/// launch plan: each is checked against a strict alphabet before it becomes a path or a line, so
/// no newline, `/` or `..` can be injected. `Engine.create` calls `check` for every front end.
public enum RunOptionRules {
    /// docker's `--ulimit` names and the kernel's resource numbers (`RLIMIT_*` in <sys/resource.h>).
    public static let rlimits: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
        "memlock": 8, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]

    /// The runtime spec's name of a docker ulimit name (`nofile` → `RLIMIT_NOFILE`), and back.
    public static func ociRlimitName(_ name: String) -> String { "RLIMIT_" + name.uppercased() }
    public static func rlimitNumber(ociName: String) -> Int32? {
        guard ociName.hasPrefix("RLIMIT_") else { return nil }
        return rlimits[ociName.dropFirst(7).lowercased()]
    }

    /// Sysctls a container may set: those the kernel keeps per IPC, UTS or network namespace, as
    /// docker and runc allow. Anything else would change the host's kernel for everyone.
    static let ipcSysctls: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ]

    public static func check(_ o: RunOptions, network: NetworkMode) throws(BerthError) {
        if let h = o.healthcheck { try HealthConfig.check(h) }
        for name in o.capAdd + o.capDrop where name.uppercased() != "ALL" && LinuxCapability(name: name) == nil {
            throw .invalidArgument("unknown capability \(name.quoted): expected a name such as NET_ADMIN or ALL")
        }
        for u in o.ulimits {
            guard rlimits[u.name] != nil else {
                throw .invalidArgument("invalid ulimit type \(u.name.quoted): expected one of \(rlimits.keys.sorted().joined(separator: ", "))")
            }
            guard u.soft <= u.hard else {
                throw .invalidArgument("invalid ulimit \(u.name): the soft limit must not exceed the hard limit")
            }
        }
        for d in o.devices { try checkDevice(d) }
        for rule in o.deviceCgroupRules { _ = try DeviceRule.parse(rule) }
        for (key, value) in o.sysctls { try checkSysctl(key, value, network: network) }
        for g in o.groupAdd where g.isEmpty || !g.allSatisfy(isNameCharacter) {
            throw .invalidArgument("invalid group \(g.quoted) for --group-add: expected a group name or number")
        }
        for h in o.extraHosts {
            guard isHostname(h.name) else { throw .invalidArgument("invalid host name \(h.name.quoted) for --add-host") }
            guard isIPAddress(h.address) else {
                throw .invalidArgument("invalid IP address \(h.address.quoted) for --add-host \(h.name)")
            }
        }
        if network == .host && !(o.dns.isEmpty && o.dnsSearch.isEmpty && o.dnsOptions.isEmpty) {
            // docker: a host-network container uses the host's resolv.conf.
            throw .invalidArgument("conflicting options: --dns, --dns-search and --dns-option cannot be used with --network host")
        }
        for a in o.dns where !isIPAddress(a) {
            throw .invalidArgument("invalid DNS server \(a.quoted): expected an IP address")
        }
        for d in o.dnsSearch where !(d == "." || isHostname(d)) {
            throw .invalidArgument("invalid DNS search domain \(d.quoted)")
        }
        for opt in o.dnsOptions where opt.isEmpty || opt.count > 64 || !opt.allSatisfy({ isNameCharacter($0) || $0 == ":" }) {
            throw .invalidArgument("invalid DNS option \(opt.quoted): expected a resolv.conf option such as ndots:2")
        }
        if let s = o.stopSignal { _ = try SignalName.parse(s) }
        // The kernel's limit for a UTS name is 64 bytes.
        if let d = o.domainname, !(isHostname(d) && d.utf8.count <= 64) {
            throw .invalidArgument("invalid --domainname \(d.quoted): expected a domain name ([a-zA-Z0-9.-], at most 64 characters)")
        }
        if let adj = o.oomScoreAdj, !(-1000...1000).contains(adj) {
            throw .invalidArgument("invalid --oom-score-adj \(adj): expected a number from -1000 to 1000")
        }
        if let t = o.stopTimeout, t < 0 {
            throw .invalidArgument("invalid --stop-timeout \(t): expected a number of seconds, 0 or more")
        }
    }

    static func checkDevice(_ d: RunOptions.DeviceMapping) throws(BerthError) {
        guard isCleanAbsolutePath(d.hostPath) else {
            throw .invalidArgument("invalid device \(d.hostPath.quoted): expected an absolute path such as /dev/fuse")
        }
        guard isCleanAbsolutePath(d.containerPath), d.containerPath != "/" else {
            throw .invalidArgument("invalid device path \(d.containerPath.quoted) in the container: expected an absolute path")
        }
        guard !d.permissions.isEmpty, d.permissions.allSatisfy({ "rwm".contains($0) }) else {
            throw .invalidArgument("invalid device permissions \(d.permissions.quoted): expected a combination of r, w and m")
        }
    }

    /// A namespaced key of dot-separated words (`net.ipv4.ip_forward`), and a one-line value.
    public static func checkSysctl(_ key: String, _ value: String, network: NetworkMode) throws(BerthError) {
        let words = key.split(separator: ".", omittingEmptySubsequences: false)
        guard words.count >= 2, key.count <= 256,
              words.allSatisfy({ !$0.isEmpty && $0.allSatisfy { isNameCharacter($0) && $0 != "." } }) else {
            throw .invalidArgument("invalid sysctl \(key.quoted): expected dot-separated names such as net.ipv4.ip_forward")
        }
        guard value.count <= 4096, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalidArgument("invalid value for sysctl \(key): it must be one line without control characters")
        }
        if key.hasPrefix("net.") {
            if network == .host {
                throw .invalidArgument("sysctl \(key) is not allowed with --network host: it would change the host's network settings")
            }
            if network == .container {
                throw .invalidArgument("sysctl \(key) is not allowed with --network container:NAME: the network namespace is the other container's")
            }
            return
        }
        if ipcSysctls.contains(key) || key.hasPrefix("fs.mqueue.") || key == "kernel.domainname" { return }
        throw .invalidArgument("sysctl \(key) is not allowed in a container: only namespaced ones (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*) are")
    }

    // MARK: docker's syntax

    /// `NAME=SOFT[:HARD]`; a number, `-1` or `unlimited`.
    public static func parseUlimit(_ text: String) throws(BerthError) -> RunOptions.Ulimit {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidArgument("invalid ulimit \(text.quoted): expected NAME=SOFT[:HARD], e.g. nofile=1024:2048") }
        let limits = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        func number(_ s: Substring) throws(BerthError) -> UInt64 {
            if s == "-1" || s == "unlimited" { return RunOptions.Ulimit.unlimited }
            guard !s.isEmpty, s.allSatisfy(\.isASCIIDigit), let v = UInt64(s) else {
                throw .invalidArgument("invalid ulimit \(text.quoted): \(String(s).quoted) is not a number")
            }
            return v
        }
        guard (1...2).contains(limits.count) else { throw .invalidArgument("invalid ulimit \(text.quoted): expected NAME=SOFT[:HARD]") }
        let soft = try number(limits[0])
        let hard = limits.count == 2 ? try number(limits[1]) : soft
        return RunOptions.Ulimit(name: String(parts[0]), soft: soft, hard: hard)
    }

    /// `HOST[:CONTAINER][:PERMS]`, as docker splits it.
    public static func parseDevice(_ text: String) throws(BerthError) -> RunOptions.DeviceMapping {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: return .init(hostPath: parts[0], containerPath: parts[0], permissions: "rwm")
        case 2 where !parts[1].hasPrefix("/"): return .init(hostPath: parts[0], containerPath: parts[0], permissions: parts[1])
        case 2: return .init(hostPath: parts[0], containerPath: parts[1], permissions: "rwm")
        case 3: return .init(hostPath: parts[0], containerPath: parts[1], permissions: parts[2])
        default: throw .invalidArgument("invalid device \(text.quoted): expected HOST[:CONTAINER][:PERMISSIONS]")
        }
    }

    /// `NAME:IP` (docker's) or `NAME=IP`; split at the first separator, so IPv6 addresses keep theirs.
    public static func parseExtraHost(_ text: String) throws(BerthError) -> RunOptions.ExtraHost {
        guard let sep = text.firstIndex(where: { $0 == ":" || $0 == "=" }) else {
            throw .invalidArgument("invalid --add-host \(text.quoted): expected NAME:IP")
        }
        var address = String(text[text.index(after: sep)...])
        if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        if address == "host-gateway" {
            throw .unsupported("--add-host \(String(text[..<sep])):host-gateway is not supported: give the address")
        }
        return .init(name: String(text[..<sep]), address: address)
    }

    /// `KEY=VALUE` for `--sysctl`.
    public static func parseSysctl(_ text: String) throws(BerthError) -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw .invalidArgument("invalid sysctl \(text.quoted): expected KEY=VALUE")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    /// `--security-opt`: what Berth does, and a clear refusal for what it cannot do yet.
    public static func applySecurityOption(_ text: String, to o: inout RunOptions) throws(BerthError) {
        let sep = text.firstIndex(where: { $0 == "=" || $0 == ":" })
        let key = sep.map { String(text[..<$0]) } ?? text
        let value = sep.map { String(text[text.index(after: $0)...]) }
        switch key {
        case "no-new-privileges":
            switch value {
            case nil, "true": o.noNewPrivileges = true
            case "false": o.noNewPrivileges = false
            default: throw .invalidArgument("invalid --security-opt \(text.quoted): no-new-privileges takes true or false")
            }
        case "seccomp":
            guard let value, !value.isEmpty else { throw .invalidArgument("invalid --security-opt \(text.quoted): expected seccomp=unconfined or seccomp=FILE") }
            if value == "unconfined" {
                o.seccompUnconfined = true
                o.seccompProfile = nil
            } else {
                guard let bytes = FileIO.read(value) else {
                    throw .invalidArgument("--security-opt seccomp: cannot read the profile \(value.quoted): \(String(cString: strerror(errno)))")
                }
                let json = String(decoding: bytes, as: UTF8.self)
                _ = try seccompProfile(json, source: value)
                o.seccompProfile = json
                o.seccompUnconfined = false
            }
        case "apparmor", "label":
            throw .unsupported("--security-opt \(key): Berth supports neither AppArmor nor SELinux labels")
        default:
            throw .invalidArgument("invalid --security-opt \(text.quoted): expected no-new-privileges, seccomp=unconfined or seccomp=FILE")
        }
    }

    /// A seccomp profile in docker's format, decoded and checked against Berth's default
    /// capabilities (`source` names it in messages: the file, or the stored option).
    public static func seccompProfile(_ json: String, source: String) throws(BerthError) -> DockerSeccompProfile {
        let profile: DockerSeccompProfile
        do {
            profile = try JSONDecoder().decode(DockerSeccompProfile.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw .invalidArgument("seccomp profile \(source.quoted): " + RuncBundle.describe(error))
        } catch {
            throw .invalidArgument("seccomp profile \(source.quoted): invalid JSON")
        }
        do {
            _ = try profile.resolve(capabilities: DefaultSpec.capabilityNames, kernel: HostProbe.kernelVersion)
        } catch {
            throw .seccomp(error, in: "seccomp profile \(source.quoted): ")
        }
        if profile.listenerPath != nil {
            throw .invalidArgument("seccomp profile \(source.quoted): listenerPath (SCMP_ACT_NOTIFY) is supported by berth-runc only")
        }
        return profile
    }

    // MARK: alphabets

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }

    /// RFC 1123 names: letters, digits, `-` and `.`, 253 characters at most.
    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253, s.first != "-", s.first != "." else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
    }

    static func isIPAddress(_ s: String) -> Bool {
        var buf = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, s, &buf) == 1 || inet_pton(AF_INET6, s, &buf) == 1
    }

    /// Absolute, no `.`/`..`/empty components, no control characters.
    static func isCleanAbsolutePath(_ p: String) -> Bool {
        guard p.hasPrefix("/"), p.utf8.count < 4096,
              !p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return false }
        return p.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .allSatisfy { $0 != "." && $0 != ".." } && !p.contains("//")
    }
}
