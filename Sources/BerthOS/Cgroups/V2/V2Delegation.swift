/// Which controllers a v2 container gets, and where they are switched on.
/// A controller reaches a cgroup only if every ancestor lists it in cgroup.subtree_control. Berth may
/// write subtree_control only in directories it owns, so the deepest directory it does not own decides:
/// what that one delegates is all there is.
struct V2Delegation: Sendable, Equatable {
    /// Owned directories above the container, outermost first, whose subtree_control Berth sets.
    var ownedDirectories: [String]
    var controllers: [String]

    /// `isOwned` tells whether a chain directory is Berth's (or does not exist yet and will be created).
    static func plan(placement: CgroupPlacement, values: CgroupLimitValues, wanted: [String],
                     isOwned: (String) -> Bool) throws -> V2Delegation {
        var provider = placement.anchor
        var owned: [String] = []
        for dir in placement.chain {
            if isOwned(dir) {
                owned.append(dir)
            } else {
                provider = dir
                owned.removeAll()
            }
        }
        let delegated = Set(try KernelFile.read(provider + "/cgroup.subtree_control").split(whereSeparator: \.isWhitespace).map(String.init))
        let missing = required(by: values).filter { !delegated.contains($0) }
        if !missing.isEmpty {
            let list = missing.joined(separator: ", ")
            throw BerthError.unsupported("the cgroup \(provider) does not delegate the \(list) controller\(missing.count > 1 ? "s" : "") to its children (its cgroup.subtree_control is '\(delegated.sorted().joined(separator: " "))'), so the limits cannot be applied; choose a delegated cgroup with --cgroup-parent")
        }
        let all = wanted + (values.needsCpuset ? ["cpuset"] : [])
        return V2Delegation(ownedDirectories: owned, controllers: all.filter(delegated.contains))
    }

    /// Controllers without which a requested limit would silently not apply.
    static func required(by values: CgroupLimitValues) -> [String] {
        var needed: [String] = []
        if values.needsCpuset { needed.append("cpuset") }
        if values.cpuQuotaMicros != nil || values.cpuPeriodMicros != nil || values.cpuShares != nil { needed.append("cpu") }
        if values.memory != nil || values.memoryReservation != nil { needed.append("memory") }
        if values.pidsMax != nil { needed.append("pids") }
        if values.hasBlockIO { needed.append("io") }
        return needed
    }

    func enable() throws {
        guard !controllers.isEmpty else { return }
        let line = controllers.map { "+" + $0 }.joined(separator: " ")
        for dir in ownedDirectories {
            try KernelFile.write(line, to: dir + "/cgroup.subtree_control")
        }
    }
}
