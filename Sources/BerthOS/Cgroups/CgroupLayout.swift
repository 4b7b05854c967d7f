/// The cgroup hierarchies this process can use, found from /proc/self/mountinfo and /proc/self/cgroup.
enum CgroupLayout: Sendable, Equatable {
    /// Hierarchies holding the controllers Berth uses (name=systemd and the unified mount are left out).
    case v1([CgroupHierarchy])
    case v2(CgroupHierarchy)

    /// The v1 hierarchies a container joins; `freezer` for `pause`, as runc joins it; `devices`
    /// for the device rules (`DeviceRules`).
    static let v1Controllers: Set<String> = ["memory", "cpu", "cpuacct", "pids", "blkio", "cpuset", "freezer", "devices"]

    var version: CgroupVersion {
        if case .v1 = self { return .v1 }
        return .v2
    }

    static func detect(mountInfo: String, procCgroup: String) throws -> CgroupLayout {
        try detect(mounts: MountInfo.parse(mountInfo), cgroups: ProcCgroup.parse(procCgroup))
    }

    /// Any mounted v1 hierarchy with a real controller makes the host v1, even when a cgroup2 mount
    /// exists beside it (the hybrid layout); otherwise the unified hierarchy is used.
    static func detect(mounts: [MountInfoEntry], cgroups: [ProcCgroupEntry]) throws -> CgroupLayout {
        var v1: [CgroupHierarchy] = []
        for entry in cgroups where !entry.isUnified {
            guard !Set(entry.controllers).isDisjoint(with: v1Controllers),
                  let mount = bestMount(for: entry.path, in: mounts.filter({
                      $0.fsType == "cgroup" && Set(entry.controllers).isSubset(of: Set($0.superOptions))
                  })) else { continue }
            v1.append(CgroupHierarchy(controllers: entry.controllers, mountPoint: mount.mountPoint,
                                      mountRoot: mount.root, currentPath: entry.path))
        }
        if !v1.isEmpty { return .v1(v1) }
        if let unified = cgroups.first(where: \.isUnified),
           let mount = bestMount(for: unified.path, in: mounts.filter({ $0.fsType == "cgroup2" })) {
            return .v2(CgroupHierarchy(controllers: [], mountPoint: mount.mountPoint, mountRoot: mount.root,
                                       currentPath: unified.path))
        }
        throw BerthError.unsupported("no usable cgroup hierarchy is mounted (checked /proc/self/mountinfo and /proc/self/cgroup)")
    }

    /// The mount whose root contains `path`, preferring the deepest root (the most specific bind mount).
    private static func bestMount(for path: String, in candidates: [MountInfoEntry]) -> MountInfoEntry? {
        candidates
            .filter { $0.root == "/" || path == $0.root || path.hasPrefix($0.root + "/") }
            .max { $0.root.count < $1.root.count }
    }
}
