/// Entry point: picks the cgroup backend this host offers.
public enum Cgroups {
    /// Detects v1 or v2 from /proc/self/mountinfo and /proc/self/cgroup.
    /// `parent`: nil = "<current cgroup>/berth"; a relative path = below the current cgroup;
    /// an absolute path = that cgroup of the hierarchy (for --cgroup-parent).
    /// `ledger`: a file where the directories Berth creates for a --cgroup-parent are recorded, so
    /// another Berth process knows it may remove them once empty.
    public static func manager(parent: String?, ledger: String? = nil) throws -> any CgroupManager {
        switch try currentLayout() {
        case .v1(let hierarchies): return try V1CgroupManager(hierarchies: hierarchies, parent: parent, ledger: ledger)
        case .v2(let hierarchy): return try V2CgroupManager(hierarchy: hierarchy, parent: parent, ledger: ledger)
        }
    }

    /// The host's cgroup version, or nil when no usable hierarchy is mounted.
    public static func detectVersion() -> CgroupVersion? {
        try? currentLayout().version
    }

    static func currentLayout() throws -> CgroupLayout {
        try CgroupLayout.detect(mountInfo: try KernelFile.read("/proc/self/mountinfo"),
                                procCgroup: try KernelFile.read("/proc/self/cgroup"))
    }
}
