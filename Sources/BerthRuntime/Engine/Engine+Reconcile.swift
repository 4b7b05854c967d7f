import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Crash consistency: what a killed `berth` leaves behind, and containers whose record is unreadable.
///
/// A container becomes visible by one rename of `containers/.creating-<id>` (which holds the
/// creator's "PID STARTTIME") to `containers/<id>`, and disappears by one rename to
/// `containers/.removing-<id>`. Name links (`names/`) and address leases are taken before the
/// container is visible and released after it is gone, so they are reconciled from the
/// directories: one that names no container (and no live creation) is a leftover.
extension Engine {
    func creatingDirectory(_ id: String) -> String { root + "/containers/.creating-" + id }
    func removingDirectory(_ id: String) -> String { root + "/containers/.removing-" + id }
    var cgroupLedger: String { root + "/cgroups.owned" }

    private static let creatingPrefix = ".creating-", removingPrefix = ".removing-"

    /// Finishes what killed Berth processes left half done: removes `.creating-*` directories whose
    /// creator is dead, completes `.removing-*` removals (processes, cgroups, files), drops name
    /// links and address leases of containers that do not exist, and removes empty parent cgroups
    /// Berth created. Costs a directory listing when there is nothing to do; takes the global lock
    /// only when there is. Returns what it cleaned, for a caller that reports it.
    @discardableResult
    public func reconcile() -> [String] {
        let entries = FileIO.entryNames(root + "/containers")
        let ids = Set(entries.filter { $0.count == 64 })
        let creating = entries.filter { $0.hasPrefix(Self.creatingPrefix) }
        let removing = entries.filter { $0.hasPrefix(Self.removingPrefix) }
        // Containers under construction by a live process keep their name and address.
        let live = ids.union(creating.filter { creatorAlive(root + "/containers/" + $0) }
            .map { String($0.dropFirst(Self.creatingPrefix.count)) })
        let deadCreations = creating.filter { !creatorAlive(root + "/containers/" + $0) }
        guard !deadCreations.isEmpty || !removing.isEmpty || !staleNames(keeping: live).isEmpty
                || !staleLeases(keeping: live).isEmpty else { return [] }
        var cleaned: [String] = []
        try? FileLock.with(globalLock) {
            // Under the lock no creation or removal is in progress (both hold it), so what is
            // left is what a dead process left, whatever the creator file says.
            let entries = FileIO.entryNames(root + "/containers")
            var keep = Set(entries.filter { $0.count == 64 })
            for e in entries where e.hasPrefix(Self.creatingPrefix) {
                let dir = root + "/containers/" + e
                if creatorAlive(dir, exceptMe: true) { keep.insert(String(e.dropFirst(Self.creatingPrefix.count))); continue }
                try? FileIO.removeTree(dir)
                cleaned.append("incomplete container " + String(e.dropFirst(Self.creatingPrefix.count)))
            }
            for e in entries where e.hasPrefix(Self.removingPrefix) {
                let id = String(e.dropFirst(Self.removingPrefix.count))
                guard id.count == 64 else { continue }
                finishRemoval(id: id, directory: root + "/containers/" + e)
                cleaned.append("removal of " + id)
            }
            let names = NameIndex(root: root)
            for (name, id) in staleNames(keeping: keep) where names.id(of: name) == id {
                names.release(name, of: id)
                cleaned.append("name " + name)
            }
            let leases = staleLeases(keeping: keep)
            if !leases.isEmpty {
                try? FileLock.with(networkLock) {
                    var l = Leases.parse(FileIO.readString(leasesPath) ?? "")
                    for id in leases { l.release(id) }
                    try FileIO.writeAtomically(leasesPath, string: l.text)
                }
                cleaned += leases.map { "address lease of " + $0 }
            }
        }
        OwnedDirectories.pruneUnused(ledger: cgroupLedger)
        return cleaned
    }

    /// Whether the process recorded in a `.creating-*` directory still runs. A directory without the
    /// record is a creation killed before it wrote it (or one just starting: the lock decides).
    private func creatorAlive(_ dir: String, exceptMe: Bool = false) -> Bool {
        guard let text = FileIO.readString(ContainerPaths(directory: dir).creator) else { return false }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return false }
        if exceptMe && pid == getpid() { return false }
        return Self.isAlive(pid: pid, startTime: start)
    }

    /// Name links whose container is neither in `keeping` nor anywhere else.
    private func staleNames(keeping ids: Set<String>) -> [(name: String, id: String)] {
        let names = NameIndex(root: root)
        return names.all().compactMap { name in
            guard let id = names.id(of: name), !ids.contains(id) else { return nil }
            return (name, id)
        }
    }

    private func staleLeases(keeping ids: Set<String>) -> [String] {
        guard let text = FileIO.readString(leasesPath) else { return [] }
        return Array(Set(Leases.parse(text).entries.map(\.1).filter { !ids.contains($0) })).sorted()
    }

    /// Completes a removal whose process died after the rename: processes and cgroups (found from
    /// the record, the launch plan and the cgroup ledger), files, name and address.
    func finishRemoval(id: String, directory: String) {
        let p = ContainerPaths(directory: directory)
        let record = FileIO.read(p.record).flatMap { try? JSONDecoder.berth.decode(ContainerRecord.self, from: Data($0)) }
        try? removeCgroups(id: id, parent: record?.cgroupParent ?? options.cgroupParent, plan: p.plan)
        try? FileIO.removeTree(directory)
        if let record { NameIndex(root: root).release(record.name, of: id) }
        releaseAddress(of: id)
    }

    /// Every cgroup directory of container `id` that exists: those of the manager for `parent`,
    /// those the launch plan names (where the supervisor put the container, whatever cgroup the
    /// caller runs in now) and those below a directory of the ledger.
    func cgroupDirectories(id: String, parent: String?, plan: String) -> [String] {
        var dirs: Set<String> = []
        if let m = try? cgroupManager(parent: parent) { dirs.formUnion(m.paths(id: id).directories) }
        for f in Self.planCgroupProcsFiles(plan) {
            let dir = String(f.dropLast("/cgroup.procs".count))
            if f.hasSuffix("/cgroup.procs"), dir.hasPrefix("/sys/fs/cgroup/"), dir.hasSuffix("/" + id),
               !dir.split(separator: "/").contains("..") { dirs.insert(dir) }
        }
        for base in OwnedDirectories.recorded(in: cgroupLedger) { dirs.insert(base + "/" + id) }
        return dirs.filter(KernelFile.isDirectory).sorted()
    }

    /// Kills what runs in container `id`'s cgroups and removes them, with the parents Berth created
    /// once empty. Retries a busy cgroup (see `CgroupTree.removeLeaf`); throws the first failure.
    func removeCgroups(id: String, parent: String?, plan: String) throws {
        try CgroupPlacement.validate(id: id)
        let tree = CgroupTree()
        let deadline = CgroupTree.retryDeadline()
        var firstError: Error?
        for dir in cgroupDirectories(id: id, parent: parent, plan: plan) {
            for pid in CgroupTree.readPids(dir + "/cgroup.procs") where pid > 1 { _ = Glibc.kill(pid, SIGKILL) }
        }
        for dir in cgroupDirectories(id: id, parent: parent, plan: plan) {
            do { try tree.removeLeaf(dir, deadline: deadline) } catch { firstError = firstError ?? error }
        }
        // The manager's own pass also removes its placement's parents once they are empty.
        do { try cgroupManager(parent: parent).remove(id: id) } catch { firstError = firstError ?? error }
        OwnedDirectories.pruneUnused(ledger: cgroupLedger)
        if let firstError { throw firstError }
    }

    /// PIDs in any of container `id`'s cgroups.
    func cgroupPids(id: String, parent: String?) -> [Int32] {
        let dirs = cgroupDirectories(id: id, parent: parent, plan: paths(id).plan)
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

    // MARK: - Containers whose record cannot be read

    /// Why container directory `id` is not a usable container, or nil when its record reads.
    func brokenReason(_ id: String) -> String? {
        guard FileIO.exists(paths(id).directory) else { return nil }
        guard let data = FileIO.read(paths(id).record) else { return "container.json is missing" }
        do { _ = try JSONDecoder.berth.decode(ContainerRecord.self, from: Data(data)) } catch {
            return data.isEmpty ? "container.json is empty" : "container.json is corrupt"
        }
        return nil
    }

    /// A listing row for a container directory whose record cannot be read.
    func brokenInfo(_ id: String, reason: String) -> ContainerInfo {
        var st = stat()
        let created = stat(paths(id).directory, &st) == 0 ? Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec)) : Date()
        let name = NameIndex(root: root).all().first { NameIndex(root: root).id(of: $0) == id } ?? ""
        var state = ContainerState(status: .broken, error: reason)
        let pids = cgroupPids(id: id, parent: options.cgroupParent)
        if !pids.isEmpty { state.strayProcesses = pids.count }
        return ContainerInfo(id: id, name: name, image: "", command: [], created: created, state: state, hostname: "")
    }

    /// The directory name of the broken container `ref` designates (its full id or a unique prefix).
    func brokenContainer(_ ref: String) -> String? {
        guard !ref.isEmpty, !ref.contains("/"), !ref.hasPrefix(".") else { return nil }
        let matches = containerIDs().filter { $0.hasPrefix(ref) }
        guard matches.count == 1, let id = matches.first, brokenReason(id) != nil else { return nil }
        return id
    }

    /// Removes a container whose record cannot be read: its supervisor, the processes in its cgroups,
    /// the cgroups, its directory, name link and address. Needs `force` while something runs.
    func removeBroken(_ id: String, force: Bool) throws {
        let p = paths(id)
        let shim = shimStatus(id)
        let supervisorAlive = shim.map { Self.isAlive(pid: $0.shimPid, startTime: $0.shimStart) } ?? false
        if !force && (supervisorAlive || !cgroupPids(id: id, parent: options.cgroupParent).isEmpty) {
            throw BerthError.invalidState("cannot remove running container \(id.prefix(12)): use --force")
        }
        // The supervisor would restart the container or record its exit into a directory being deleted.
        if supervisorAlive, let s = shim, let pid = s.shimPid { _ = Glibc.kill(pid, SIGKILL) }
        try removeCgroups(id: id, parent: options.cgroupParent, plan: p.plan)
        try FileLock.with(globalLock) {
            let trash = removingDirectory(id)
            if rename(p.directory, trash) != 0 && errno != ENOENT { throw BerthError.errno("rename", p.directory) }
            forget(id)
            try FileIO.removeTree(trash)
            let names = NameIndex(root: root)
            for name in names.all() where names.id(of: name) == id { names.release(name, of: id) }
            releaseAddress(of: id)
        }
    }
}
