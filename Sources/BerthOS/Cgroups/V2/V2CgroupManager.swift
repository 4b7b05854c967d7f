import BerthOCI

/// cgroup v2: one directory per container, `<base>/<id>`, with the controllers its limits and stats need
/// enabled in the subtree_control of the directories Berth created above it.
final class V2CgroupManager: CgroupManager {
    /// Enabled whenever delegated, because the stats read their files; limits need them besides.
    static let statsControllers = ["cpu", "io", "memory", "pids"]

    let version = CgroupVersion.v2
    let placement: CgroupPlacement
    let tree: CgroupTree
    let owned: OwnedDirectories

    init(hierarchy: CgroupHierarchy, parent: String?, tree: CgroupTree = CgroupTree(), ledger: String? = nil) throws {
        placement = try CgroupPlacement.resolve(hierarchy, parent: parent)
        self.tree = tree
        owned = OwnedDirectories(alwaysOwned: parent == nil ? [placement.base] : [], ledger: ledger)
    }

    func create(id: String, resources: OCI.Resources?) throws -> CgroupPaths {
        try CgroupPlacement.validate(id: id)
        let values = try CgroupLimitValues(resources)
        var attempt = 0
        while true {
            attempt += 1
            do {
                var result = paths(id: id)
                result.dropped = try createOnce(id: id, values: values)
                return result
            } catch let error as BerthError where attempt < 3 && error.isVanishedParent {
                continue
            }
        }
    }

    private func createOnce(id: String, values: CgroupLimitValues) throws -> [DroppedLimit] {
        let leaf = placement.leaf(id)
        let delegation = try V2Delegation.plan(placement: placement, values: values,
                                               wanted: Self.statsControllers,
                                               isOwned: { !KernelFile.isDirectory($0) || self.owned.contains($0) })
        let created = try owned.make(chain: placement.chain, leaf: leaf, tree: tree)
        do {
            try delegation.enable()
            return try V2LimitWriter.apply(values, dir: leaf)
        } catch {
            tree.removeQuietly(created)
            throw error
        }
    }

    func restrictDevices(id: String, rules: [DeviceRule]) throws {
        try CgroupPlacement.validate(id: id)
        try DeviceCgroupWriter.applyV2(rules, dir: placement.leaf(id))
    }

    func paths(id: String) -> CgroupPaths {
        let leaf = placement.leaf(id)
        return CgroupPaths(procsFiles: [leaf + "/cgroup.procs"], oomCounterFile: leaf + "/memory.events",
                           directories: [leaf])
    }

    func remove(id: String) throws {
        try CgroupPlacement.validate(id: id)
        try tree.removeLeaf(placement.leaf(id), deadline: CgroupTree.retryDeadline())
        owned.removeUnused(placement, tree: tree)
    }

    func pids(id: String) -> [Int32] {
        CgroupTree.readPids(placement.leaf(id) + "/cgroup.procs").sorted()
    }

    func statsFiles(id: String) -> CgroupStatsFiles { CgroupStatsFiles.v2(directory: placement.leaf(id)) }
}
