import BerthOCI

/// cgroup v1: one directory per hierarchy (memory, cpu, cpuacct, pids, blkio; cpuset only when a
/// cpuset is asked for), each `<base>/<id>` below that hierarchy's own placement.
final class V1CgroupManager: CgroupManager {
    struct Mounted: Sendable, Equatable {
        var hierarchy: CgroupHierarchy
        var placement: CgroupPlacement

        /// A cpuset hierarchy of its own is only joined for --cpuset-cpus or --cpuset-mems: its new cgroups start with
        /// no CPUs and must be filled in, which costs writes nobody asked for.
        var isCpusetOnly: Bool { hierarchy.controllers == ["cpuset"] }
        var isDevicesOnly: Bool { hierarchy.controllers == ["devices"] }
    }

    let version = CgroupVersion.v1
    let mounted: [Mounted]
    let tree: CgroupTree
    let owned: OwnedDirectories

    /// `hierarchies` should be those of `CgroupLayout.v1`; others are ignored.
    init(hierarchies: [CgroupHierarchy], parent: String?, tree: CgroupTree = CgroupTree(), ledger: String? = nil) throws {
        let usable = hierarchies.filter { !Set($0.controllers).isDisjoint(with: CgroupLayout.v1Controllers) }
        mounted = try usable.map { Mounted(hierarchy: $0, placement: try CgroupPlacement.resolve($0, parent: parent)) }
        self.tree = tree
        owned = OwnedDirectories(alwaysOwned: parent == nil ? Set(mounted.map(\.placement.base)) : [], ledger: ledger)
    }

    func create(id: String, resources: OCI.Resources?) throws -> CgroupPaths {
        try CgroupPlacement.validate(id: id)
        let values = try CgroupLimitValues(resources)
        let joined = mounted.filter { !$0.isCpusetOnly || values.needsCpuset }
        // A concurrent `remove` of the last other container may delete the base between our mkdirs.
        var attempt = 0
        while true {
            attempt += 1
            do {
                let dropped = try createOnce(id: id, values: values, joined: joined)
                var result = paths(id: id, joined: joined)
                result.dropped = dropped
                return result
            } catch let error as BerthError where attempt < 3 && error.isVanishedParent {
                continue
            }
        }
    }

    private func createOnce(id: String, values: CgroupLimitValues, joined: [Mounted]) throws -> [DroppedLimit] {
        var created: [String] = []
        do {
            for m in joined {
                let leaf = m.placement.leaf(id)
                let new = try owned.make(chain: m.placement.chain, leaf: leaf, tree: tree)
                created += new
                if m.hierarchy.has("cpuset") {
                    try V1Cpuset.prepare(placement: m.placement, leaf: leaf, cpus: values.cpusetCpus, mems: values.cpusetMems,
                                         isOwned: { new.contains($0) || self.owned.contains($0) })
                }
            }
            let leaves = Dictionary(joined.flatMap { m in m.hierarchy.controllers.map { ($0, m.placement.leaf(id)) } },
                                    uniquingKeysWith: { a, _ in a })
            return try V1LimitWriter.apply(values, leaves: leaves)
        } catch {
            tree.removeQuietly(created)
            throw error
        }
    }

    func restrictDevices(id: String, rules: [DeviceRule]) throws {
        try CgroupPlacement.validate(id: id)
        guard let m = mounted.first(where: { $0.hierarchy.has("devices") }) else {
            // Without the controller nothing could enforce the rules: refuse rather than run open.
            throw BerthError.unsupported("the cgroup v1 devices controller is not mounted: Berth cannot restrict the container's devices")
        }
        try DeviceCgroupWriter.applyV1(rules, dir: m.placement.leaf(id))
    }

    func paths(id: String) -> CgroupPaths {
        // A container started before Berth joined the devices hierarchy has no directory there.
        let joined = mounted.filter { !($0.isCpusetOnly || $0.isDevicesOnly) || KernelFile.isDirectory($0.placement.leaf(id)) }
        return paths(id: id, joined: joined)
    }

    private func paths(id: String, joined: [Mounted]) -> CgroupPaths {
        let dirs = joined.map { $0.placement.leaf(id) }
        let memory = joined.first { $0.hierarchy.has("memory") }
        return CgroupPaths(procsFiles: dirs.map { $0 + "/cgroup.procs" },
                           oomCounterFile: memory.map { $0.placement.leaf(id) + "/memory.oom_control" },
                           directories: dirs)
    }

    func remove(id: String) throws {
        try CgroupPlacement.validate(id: id)
        let deadline = CgroupTree.retryDeadline()
        var firstError: Error?
        for m in mounted {
            do { try tree.removeLeaf(m.placement.leaf(id), deadline: deadline) } catch { firstError = firstError ?? error }
            owned.removeUnused(m.placement, tree: tree)
        }
        if let firstError { throw firstError }
    }

    func pids(id: String) -> [Int32] {
        let all = paths(id: id).procsFiles.flatMap(CgroupTree.readPids)
        return Array(Set(all)).sorted()
    }

    func statsFiles(id: String) -> CgroupStatsFiles {
        CgroupStatsFiles.v1 { controller in mounted.first { $0.hierarchy.has(controller) }.map { $0.placement.leaf(id) } }
    }
}
