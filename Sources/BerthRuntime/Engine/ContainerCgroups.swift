import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The cgroups of a root's containers: one `CgroupManager` and one `StatsSampler` per cgroup
/// parent (the sampler keeps each container's stats files open between samples), and the finding,
/// killing and removal of whatever a container left in its cgroups, wherever they are.
final class ContainerCgroups: Sendable {
    /// The ownership ledger of the cgroup directories Berth created (`cgroups.owned`).
    let ledger: String
    private let managers = Mutex<[String: any CgroupManager]>([:])
    private let samplers = Mutex<[String: StatsSampler]>([:])

    init(root: String) { ledger = root + "/cgroups.owned" }

    func manager(parent: String?) throws -> any CgroupManager {
        let key = parent ?? ""
        if let m = managers.withLock({ $0[key] }) { return m }
        // Detected outside the lock (it reads /proc); a concurrent first call makes an equal one.
        let m = try Cgroups.manager(parent: parent, ledger: ledger)
        managers.withLock { $0[key] = m }
        return m
    }

    func sampler(parent: String?) -> StatsSampler? {
        let key = parent ?? ""
        if let s = samplers.withLock({ $0[key] }) { return s }
        guard let manager = try? manager(parent: parent) else { return nil }
        let s = StatsSampler(manager: manager)
        samplers.withLock { $0[key] = s }
        return s
    }

    /// One stats sample of the listed containers, by cgroup parent ("" = the default).
    func sample(_ targets: [String: [(id: String, pid: Int32)]]) -> [ContainerStats] {
        var out: [ContainerStats] = []
        for (parent, list) in targets {
            guard let sampler = sampler(parent: parent.isEmpty ? nil : parent) else { continue }
            out += sampler.sample(list)
        }
        // A sampler whose containers all stopped must still let go of their files: an open
        // /proc/PID/net/dev pins the dead container's network namespace and its veth.
        let idle = samplers.withLock { $0.filter { targets[$0.key] == nil }.map(\.value) }
        for sampler in idle { _ = sampler.sample([]) }
        return out
    }

    /// Every cgroup directory of container `id` that exists: those of the manager for `parent`,
    /// those the launch plan names (where the supervisor put the container, whatever cgroup the
    /// caller runs in now) and those below a directory of the ledger.
    func directories(id: String, parent: String?, plan: String) -> [String] {
        var dirs: Set<String> = []
        if let m = try? manager(parent: parent) { dirs.formUnion(m.paths(id: id).directories) }
        for f in Self.planCgroupProcsFiles(plan) {
            let dir = String(f.dropLast("/cgroup.procs".count))
            if f.hasSuffix("/cgroup.procs"), dir.hasPrefix("/sys/fs/cgroup/"), dir.hasSuffix("/" + id),
               !dir.split(separator: "/").contains("..") { dirs.insert(dir) }
        }
        for base in OwnedDirectories.recorded(in: ledger) { dirs.insert(base + "/" + id) }
        return dirs.filter(KernelFile.isDirectory).sorted()
    }

    /// Kills what runs in container `id`'s cgroups and removes them, with the parents Berth created
    /// once empty. Retries a busy cgroup (see `CgroupTree.removeLeaf`); throws the first failure.
    func remove(id: String, parent: String?, plan: String) throws {
        try CgroupPlacement.validate(id: id)
        let tree = CgroupTree()
        let deadline = CgroupTree.retryDeadline()
        var firstError: Error?
        let dirs = directories(id: id, parent: parent, plan: plan)
        // `rm -f`: on v2 one write of cgroup.kill per cgroup, on v1 a SIGKILL per pid read.
        for dir in dirs { CgroupTree.killAll(dir) }
        // A frozen process acts on SIGKILL only once thawed (v1); until then its cgroup stays busy.
        if CgroupFreezer.isFrozen(directories: dirs) { try? CgroupFreezer.setFrozen(directories: dirs, false) }
        for dir in directories(id: id, parent: parent, plan: plan) {
            do { try tree.removeLeaf(dir, deadline: deadline) } catch { firstError = firstError ?? error }
        }
        // The manager's own pass also removes its placement's parents once they are empty.
        do { try manager(parent: parent).remove(id: id) } catch { firstError = firstError ?? error }
        pruneUnused()
        if let firstError { throw firstError }
    }

    /// Freezes or thaws the processes of container `id` (`pause`, `unpause`).
    func setFrozen(id: String, parent: String?, plan: String, _ frozen: Bool) throws {
        try CgroupFreezer.setFrozen(directories: directories(id: id, parent: parent, plan: plan), frozen)
    }

    func isFrozen(id: String, parent: String?, plan: String) -> Bool {
        CgroupFreezer.isFrozen(directories: directories(id: id, parent: parent, plan: plan))
    }

    /// Removes the ledger's parent cgroups nothing uses any more.
    func pruneUnused() { OwnedDirectories.pruneUnused(ledger: ledger) }

    /// PIDs in any of container `id`'s cgroups.
    func pids(id: String, parent: String?, plan: String) -> [Int32] {
        let dirs = directories(id: id, parent: parent, plan: plan)
        return Array(Set(dirs.flatMap { CgroupTree.readPids($0 + "/cgroup.procs") })).sorted()
    }

    /// The `cgroup_procs` values of a launch plan (NUL-separated key and value pairs).
    static func planCgroupProcsFiles(_ plan: String) -> [String] {
        guard let bytes = FileIO.read(plan) else { return [] }
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        var out: [String] = []
        var i = 0
        while i + 1 < fields.count {
            if fields[i] == "cgroup_procs" { out.append(fields[i + 1]) }
            i += 2
        }
        return out
    }
}
