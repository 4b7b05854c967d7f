import BerthOCI
import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Resolves `RunOptions` against the host (device numbers, the capabilities Berth itself holds) and
/// the image (group names) into what config.json records.
extension Engine {
    func specExtras(_ o: RunOptions, layerRoots: [String]) throws -> SpecExtras {
        var x = SpecExtras()
        x.capabilities = try Self.capabilities(add: o.capAdd, drop: o.capDrop, privileged: o.privileged,
                                               available: Self.boundingSet())
        x.noNewPrivileges = o.noNewPrivileges ?? !o.privileged
        x.rlimits = o.ulimits.map { OCI.Rlimit(type: RunOptionRules.ociRlimitName($0.name), hard: $0.hard, soft: $0.soft) }
        x.sysctl = o.sysctls
        x.oomScoreAdj = o.oomScoreAdj
        x.domainname = o.domainname
        x.privileged = o.privileged
        let explicit = try o.devices.map(Self.device)
        if o.privileged {
            let taken = Set(explicit.map(\.path))
            x.devices = Self.hostDevices().filter { !taken.contains($0.path) }
        }
        x.devices += explicit
        // What the devices cgroup lets through: a --device node with its permissions, as docker.
        for (node, mapping) in zip(explicit, o.devices) {
            x.deviceRules.append(OCI.DeviceCgroup(allow: true, type: node.type, major: node.major, minor: node.minor,
                                                  access: mapping.permissions))
        }
        x.deviceRules += try o.deviceCgroupRules.map { rule throws(BerthError) in try DeviceRule.parse(rule) }
        if o.privileged { x.deviceRules.append(DeviceRules.allowAll.entry) }
        if !o.groupAdd.isEmpty {
            let groupFile = layerRoots.lazy.compactMap { InRoot.readFile(root: $0, path: "/etc/group") }.first
            let groups = GroupEntry.parseFile(groupFile.map { String(decoding: $0, as: UTF8.self) } ?? "")
            x.additionalGids = try o.groupAdd.map { g in
                if let gid = UInt32(g), gid <= UserResolver.maximumID { return gid }
                guard let entry = groups.first(where: { $0.name == g }) else {
                    throw BerthError.invalidArgument("unable to find group \(g.quoted) for --group-add: no matching entries in the image's /etc/group")
                }
                return entry.gid
            }
        }
        // docker's: the profile's rules for this container's capabilities and this host, in
        // config.json; `--privileged` and `seccomp=unconfined` run without a filter.
        if o.privileged || o.seccompUnconfined {
            x.annotations[SpecExtras.Annotation.seccomp] = "unconfined"
        } else {
            let profile = try o.seccompProfile.map { try RunOptionRules.seccompProfile($0, source: "--security-opt seccomp") }
                ?? SeccompDefaults.profile
            do {
                x.seccomp = try profile.resolve(capabilities: x.capabilities ?? DefaultSpec.capabilityNames,
                                                kernel: HostProbe.kernelVersion)
            } catch {
                throw BerthError.seccomp(error, in: "seccomp profile: ")
            }
        }
        if o.initProcess { x.annotations[SpecExtras.Annotation.initProcess] = "true" }
        if let s = o.stopSignal { x.annotations[SpecExtras.Annotation.stopSignal] = String(try SignalName.parse(s)) }
        if let t = o.stopTimeout { x.annotations[SpecExtras.Annotation.stopTimeout] = String(t) }
        if !o.dns.isEmpty { x.annotations[SpecExtras.Annotation.dnsServers] = o.dns.joined(separator: "\n") }
        if !o.extraHosts.isEmpty {
            x.annotations[SpecExtras.Annotation.extraHosts] = o.extraHosts.map { "\($0.address) \($0.name)" }.joined(separator: "\n")
        }
        return x
    }

    /// The seccomp filter a Berth container runs under: config.json's `linux.seccomp`; for a
    /// container created before Berth wrote one (neither it nor the "unconfined" annotation), the
    /// default profile for its capabilities, so an upgrade never leaves a container unfiltered.
    static func withEffectiveSeccomp(_ spec: OCI.Spec) throws -> OCI.Spec {
        guard spec.linux?.seccomp == nil, spec.annotations?[SpecExtras.Annotation.seccomp] != "unconfined" else { return spec }
        var spec = spec
        var linux = spec.linux ?? OCI.Linux()
        do {
            linux.seccomp = try SeccompDefaults.profile.resolve(
                capabilities: spec.process?.capabilities?.bounding ?? DefaultSpec.capabilityNames, kernel: HostProbe.kernelVersion)
        } catch {
            throw BerthError.seccomp(error, in: "seccomp profile: ")
        }
        spec.linux = linux
        return spec
    }

    /// docker's rules: `--cap-add ALL` starts from every capability, `--cap-drop ALL` from none,
    /// otherwise the defaults (all for `--privileged`) less the dropped plus the added. nil: the defaults.
    static func capabilities(add: [String], drop: [String], privileged: Bool, available: Set<LinuxCapability>) throws -> [String]? {
        if add.isEmpty && drop.isEmpty && !privileged { return nil }
        let isAll = { (names: [String]) in names.contains { $0.uppercased() == "ALL" } }
        let named = { (names: [String]) in Set(names.compactMap(LinuxCapability.init(name:))) }
        var caps: Set<LinuxCapability>
        if privileged || isAll(add) {
            caps = available
            if isAll(drop) { caps = named(add) } else { caps.subtract(named(drop)) }
        } else {
            caps = isAll(drop) ? [] : Set(DefaultSpec.capabilities).subtracting(named(drop))
            caps.formUnion(named(add))
        }
        // Nothing can grant what Berth's own process lacks (root here may miss SYS_RESOURCE).
        if let missing = caps.subtracting(available).sorted().first, !(privileged || isAll(add)) {
            throw BerthError.invalidArgument("cannot add capability \(missing.name): Berth's own process does not hold it")
        }
        return caps.intersection(available).sorted().map(\.name)
    }

    /// The capability bounding set of this process: the most any container may hold.
    static func boundingSet() -> Set<LinuxCapability> {
        guard let status = FileIO.readString("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else {
            return Set(LinuxCapability.allCases)
        }
        return Set(LinuxCapability.allCases.filter { mask & (1 << UInt64($0.rawValue)) != 0 })
    }

    /// The host's device node at `d.hostPath` as the container's `d.containerPath`.
    static func device(_ d: RunOptions.DeviceMapping) throws -> OCI.Device {
        var st = stat()
        guard stat(d.hostPath, &st) == 0 else { throw BerthError.errno("--device: stat", d.hostPath) }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFCHR || kind == S_IFBLK else {
            throw BerthError.invalidArgument("--device \(d.hostPath.quoted) is not a character or block device")
        }
        // Without a devices cgroup the permissions narrow the node's mode (what non-root users
        // may do with it); root in the container is bound by its capabilities instead.
        var mode = UInt32(st.st_mode & 0o777)
        if !d.permissions.contains("r") { mode &= ~UInt32(0o444) }
        if !d.permissions.contains("w") { mode &= ~UInt32(0o222) }
        return node(path: d.containerPath, kind: kind, rdev: UInt64(st.st_rdev), mode: mode)
    }

    /// `--privileged`: every character and block device directly in the host's /dev.
    static func hostDevices() -> [OCI.Device] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/dev") else { return [] }
        return names.sorted().compactMap { name in
            var st = stat()
            let path = "/dev/" + name
            guard RunOptionRules.isCleanAbsolutePath(path), lstat(path, &st) == 0 else { return nil }
            let kind = st.st_mode & S_IFMT
            guard kind == S_IFCHR || kind == S_IFBLK else { return nil }
            return node(path: path, kind: kind, rdev: UInt64(st.st_rdev), mode: UInt32(st.st_mode & 0o777))
        }
    }

    private static func node(path: String, kind: mode_t, rdev: UInt64, mode: UInt32) -> OCI.Device {
        let number = DeviceNumber(rdev: rdev)
        return OCI.Device(path: path, type: kind == S_IFBLK ? "b" : "c", major: number.major, minor: number.minor,
                          fileMode: mode, uid: 0, gid: 0)
    }

    /// What `stop` uses when `-t` is not given: the container's `--stop-signal` and `--stop-timeout`.
    func stopSettings(_ id: String) -> (signal: Int32, timeout: Int?) {
        let annotations = (try? store.storedSpec(id))??.annotations ?? [:]
        let signal = annotations[SpecExtras.Annotation.stopSignal].flatMap { Int32($0) } ?? SIGTERM
        return (signal, annotations[SpecExtras.Annotation.stopTimeout].flatMap { Int($0) })
    }

    /// The resolv.conf of a container without a DNS server of its own (`--network none|host`;
    /// networked ones get `EmbeddedDNS.containerResolvConf`): the host's (less loopback servers,
    /// unreachable from a network namespace), with `--dns`, `--dns-search` and `--dns-option`
    /// replacing their kind of line.
    static func resolvConf(host: String, network: NetworkMode, options o: RunOptions) -> String {
        var lines = host.split(separator: "\n").map(String.init).filter { line in
            network == .host || !(line.hasPrefix("nameserver 127.") || line.hasPrefix("nameserver ::1"))
        }
        func replace(_ keyword: String, with values: [String]) {
            guard !values.isEmpty else { return }
            lines.removeAll { $0.split(separator: " ").first.map(String.init) == keyword || $0.hasPrefix(keyword + "\t") }
            lines += keyword == "nameserver" ? values.map { "nameserver " + $0 } : [keyword + " " + values.joined(separator: " ")]
        }
        replace("nameserver", with: o.dns)
        replace("search", with: o.dnsSearch)
        replace("options", with: o.dnsOptions)
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
