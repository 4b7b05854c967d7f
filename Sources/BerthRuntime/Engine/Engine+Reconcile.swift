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
    /// Finishes what killed Berth processes left half done: removes `.creating-*` directories whose
    /// creator is dead, completes `.removing-*` removals (processes, cgroups, files), drops name
    /// links and address leases of containers that do not exist, and removes empty parent cgroups
    /// Berth created. Costs a directory listing when there is nothing to do; takes the global lock
    /// only when there is. Returns what it cleaned, for a caller that reports it.
    @discardableResult
    public func reconcile() -> [String] {
        reconcileBuilds()
        let entries = FileIO.entryNames(store.containersDirectory)
        let ids = Set(entries.filter { $0.count == 64 })
        let creating = entries.filter { $0.hasPrefix(ContainerStore.creatingPrefix) }
        let removing = entries.filter { $0.hasPrefix(ContainerStore.removingPrefix) }
        // Containers under construction by a live process keep their name and address.
        let live = ids.union(creating.filter { creatorAlive(store.containersDirectory + "/" + $0) }
            .map { String($0.dropFirst(ContainerStore.creatingPrefix.count)) })
        let deadCreations = creating.filter { !creatorAlive(store.containersDirectory + "/" + $0) }
        let volumeLeftovers = VolumeStore(root: root).hasLeftovers()
        guard !deadCreations.isEmpty || !removing.isEmpty || !staleNames(keeping: live).isEmpty
                || !bridgeStore.staleLeases(keep: { live.contains($1) }).isEmpty || volumeLeftovers else { return [] }
        var cleaned: [String] = []
        try? FileLock.with(store.globalLock) {
            // Under the lock no creation or removal is in progress (both hold it), so what is
            // left is what a dead process left, whatever the creator file says.
            let entries = FileIO.entryNames(store.containersDirectory)
            var keep = Set(entries.filter { $0.count == 64 })
            for e in entries where e.hasPrefix(ContainerStore.creatingPrefix) {
                let dir = store.containersDirectory + "/" + e
                if creatorAlive(dir, exceptMe: true) { keep.insert(String(e.dropFirst(ContainerStore.creatingPrefix.count))); continue }
                // The volumes its create was making (first-use and anonymous ones) go with it.
                let made = volumesMade(inDirectory: dir)
                let users = made.isEmpty ? [:] : volumeUsers()
                for name in made where users[name] == nil { try? volumeStore.remove(name) }
                try? FileIO.removeTree(dir)
                cleaned.append("incomplete container " + String(e.dropFirst(ContainerStore.creatingPrefix.count)))
            }
            if volumeLeftovers {
                volumeStore.sweep()
                cleaned.append("incomplete volume changes")
            }
            for e in entries where e.hasPrefix(ContainerStore.removingPrefix) {
                let id = String(e.dropFirst(ContainerStore.removingPrefix.count))
                guard id.count == 64 else { continue }
                finishRemoval(id: id, directory: store.containersDirectory + "/" + e)
                cleaned.append("removal of " + id)
            }
            let names = store.names
            for (name, id) in staleNames(keeping: keep) where names.id(of: name) == id {
                names.release(name, of: id)
                cleaned.append("name " + name)
            }
            // Leases on every network of ids that are no containers (a connect killed between its
            // lease and its record leaves a lease the next connect of that container reuses).
            let leases = bridgeStore.staleLeases(keep: { keep.contains($1) })
            if !leases.isEmpty {
                bridgeStore.releaseAddresses(of: leases.map(\.id))
                cleaned += leases.map { "address lease of \($0.id) on \($0.network)" }
            }
            let veths = bridgeStore.strayVeths(keeping: keep)
            bridgeStore.deleteInterfaces(veths)
            cleaned += veths.map { "interface " + $0 }
        }
        // Rules of containers and networks that are gone leave Berth's table with them.
        if !cleaned.isEmpty { try? FileLock.with(bridgeStore.lock) { syncKernelRulesBestEffort() } }
        cgroups.pruneUnused()
        return cleaned
    }

    /// Whether the process recorded in a `.creating-*` directory still runs. A directory without the
    /// record is a creation killed before it wrote it (or one just starting: the lock decides).
    private func creatorAlive(_ dir: String, exceptMe: Bool = false) -> Bool {
        guard let text = FileIO.readString(ContainerPaths(directory: dir).creator) else { return false }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return false }
        if exceptMe && pid == getpid() { return false }
        return ProcStat.isAlive(pid: pid, startTime: start)
    }

    /// Name links whose container is neither in `keeping` nor anywhere else.
    private func staleNames(keeping ids: Set<String>) -> [(name: String, id: String)] {
        let names = store.names
        return names.all().compactMap { name in
            guard let id = names.id(of: name), !ids.contains(id) else { return nil }
            return (name, id)
        }
    }

    /// Completes a removal whose process died after the rename: processes and cgroups (found from
    /// the record, the launch plan and the cgroup ledger), files, name and address.
    func finishRemoval(id: String, directory: String) {
        let p = ContainerPaths(directory: directory)
        let record = FileIO.read(p.record).flatMap { try? JSONDecoder.berth.decode(ContainerRecord.self, from: Data($0)) }
        try? cgroups.remove(id: id, parent: record?.cgroupParent ?? options.cgroupParent, plan: p.plan)
        try? FileIO.removeTree(directory)
        if let record { store.names.release(record.name, of: id) }
        bridgeStore.releaseAddresses(of: [id])
    }

    // MARK: - Containers whose record cannot be read

    /// A listing row for a container directory whose record cannot be read.
    func brokenInfo(_ id: String, reason: String) -> ContainerInfo {
        var st = stat()
        let created = stat(store.paths(id).directory, &st) == 0 ? Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec)) : Date()
        let name = store.names.all().first { store.names.id(of: $0) == id } ?? ""
        var state = ContainerState(status: .broken, error: reason)
        let pids = cgroupPids(id: id, parent: options.cgroupParent)
        if !pids.isEmpty { state.strayProcesses = pids.count }
        return ContainerInfo(id: id, name: name, image: "", command: [], created: created, state: state, hostname: "")
    }

    /// Removes a container whose record cannot be read: its supervisor, the processes in its cgroups,
    /// the cgroups, its directory, name link and address. Needs `force` while something runs.
    func removeBroken(_ id: String, force: Bool) throws {
        let p = store.paths(id)
        let shim = store.shimStatus(id)
        let supervisorAlive = shim.map { ProcStat.isAlive(pid: $0.shimPid, startTime: $0.shimStart) } ?? false
        if !force && (supervisorAlive || !cgroupPids(id: id, parent: options.cgroupParent).isEmpty) {
            throw BerthError.invalidState("cannot remove running container \(id.prefix(12)): use --force")
        }
        // The supervisor would restart the container or record its exit into a directory being deleted.
        if supervisorAlive, let s = shim, let pid = s.shimPid { _ = Glibc.kill(pid, SIGKILL) }
        try cgroups.remove(id: id, parent: options.cgroupParent, plan: p.plan)
        try FileLock.with(store.globalLock) {
            let trash = store.removingDirectory(id)
            if rename(p.directory, trash) != 0 && errno != ENOENT { throw BerthError.errno("rename", p.directory) }
            store.forget(id)
            try FileIO.removeTree(trash)
            let names = store.names
            for name in names.all() where names.id(of: name) == id { names.release(name, of: id) }
            bridgeStore.releaseAddresses(of: [id])
        }
    }
}
