import Foundation

/// Translates a container record and its image into the OCI runtime spec kept as the
/// container's `config.json`. The launch plan is derived from that spec, not from the record,
/// so a runc-compatible front end can feed its own spec to the same engine.
public enum ContainerSpecBuilder {
    /// Annotation holding the overlay mount data (lowerdir/upperdir/workdir) of the root.
    public static let overlayAnnotation = "io.berth.rootfs.overlay"

    public static func build(record: ContainerRecord, paths: ContainerPaths, layerDirectories: [String],
                             user: ResolvedUser, cgroupVersion: CgroupVersion?) -> OCI.Spec {
        var namespaces: [OCI.Namespace] = [.init(type: .pid), .init(type: .ipc), .init(type: .uts), .init(type: .mount)]
        if record.network != .host { namespaces.append(.init(type: .network)) }
        namespaces.append(.init(type: .cgroup))

        var mounts = DefaultSpec.mounts.filter { $0.type != "cgroup" && $0.type != "cgroup2" }
        if cgroupVersion == .v2 {
            // With a cgroup namespace rooted at the container's cgroup, the container sees only its own tree.
            mounts.append(OCI.Mount(destination: "/sys/fs/cgroup", type: "cgroup2", source: "cgroup",
                                    options: ["ro", "nosuid", "noexec", "nodev", "relatime"]))
        }
        for (dest, src) in [("/etc/hosts", paths.hosts), ("/etc/hostname", paths.hostname), ("/etc/resolv.conf", paths.resolvConf)] {
            mounts.append(OCI.Mount(destination: dest, type: "bind", source: src, options: ["rbind", "rprivate"]))
        }
        let caps = DefaultSpec.capabilityNames
        let process = OCI.Process(
            terminal: record.tty == true,
            user: OCI.User(uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.isEmpty ? nil : user.additionalGids),
            args: record.command,
            env: record.env,
            cwd: record.workingDir.isEmpty ? "/" : record.workingDir,
            capabilities: OCI.Capabilities(bounding: caps, effective: caps, permitted: caps),
            noNewPrivileges: true)
        var resources = OCI.Resources()
        let l = record.limits
        if l.memory != nil || l.memorySwap != nil { resources.memory = OCI.MemoryResources(limit: l.memory, swap: l.memorySwap) }
        if l.cpus != nil || l.cpuShares != nil || l.cpusetCpus != nil {
            let quota = l.cpus.map { Int64(($0 * 100_000).rounded()) }
            resources.cpu = OCI.CPUResources(shares: l.cpuShares.map { UInt64($0) }, quota: quota,
                                             period: quota == nil ? nil : 100_000, cpus: l.cpusetCpus)
        }
        if let p = l.pidsLimit { resources.pids = OCI.PidsResources(limit: Int64(p)) }
        let lower = layerDirectories.reversed().joined(separator: ":")
        return OCI.Spec(
            process: process,
            root: OCI.Root(path: paths.rootfs, readonly: false),
            hostname: record.hostname,
            mounts: mounts,
            linux: OCI.Linux(namespaces: namespaces, resources: resources,
                             cgroupsPath: (record.cgroupParent ?? "berth") + "/" + record.id,
                             maskedPaths: DefaultSpec.maskedPaths, readonlyPaths: DefaultSpec.readonlyPaths,
                             devices: DefaultSpec.devices),
            annotations: [overlayAnnotation: "lowerdir=\(lower),upperdir=\(paths.upper),workdir=\(paths.work)"])
    }
}
