import BerthOCI
import BerthOS
import Foundation

/// `berth volume create/ls/inspect/rm/prune`, and which containers use which volume. Every change
/// holds the root's global lock, as container creation does, so a volume cannot be removed while a
/// container is being created with it.
extension Engine {
    /// The root with its symlinks resolved: the shim opens bind sources without following any.
    var volumeStore: VolumeStore { VolumeStore(root: BindSource.realPath(root) ?? root) }

    @discardableResult
    public func createVolume(_ name: String?, labels: [String: String] = [:]) throws -> VolumeInfo {
        try FileLock.with(store.globalLock) {
            volumeStore.sweep()
            return try volumeStore.create(name ?? RandomID.hex(32), labels: labels).0
        }
    }

    public func volumes() -> [VolumeInfo] { volumeStore.list() }

    public func inspectVolume(_ name: String) throws -> VolumeInfo {
        try ResourceName.validate(name, kind: .volume)
        guard let v = volumeStore.info(name) else { throw BerthError.invalidArgument("no such volume: \(name.quoted)") }
        return v
    }

    /// Volume name → the names of the containers whose config.json mounts it.
    public func volumeUsers() -> [String: [String]] {
        let prefix = volumeStore.directory + "/"
        var users: [String: [String]] = [:]
        for id in store.containerIDs() {
            guard let spec = try? store.storedSpec(id), let record = store.record(id) else { continue }
            for m in spec.mounts ?? [] {
                guard let source = m.source, source.hasPrefix(prefix) else { continue }
                let name = String(source.dropFirst(prefix.count).prefix { $0 != "/" })
                users[name, default: []].append(record.name)
            }
        }
        return users
    }

    /// Removes a volume no container uses (stopped ones count, as in docker).
    public func removeVolume(_ name: String) throws {
        try ResourceName.validate(name, kind: .volume)
        try FileLock.with(store.globalLock) {
            volumeStore.sweep()
            guard volumeStore.info(name) != nil else { throw BerthError.invalidArgument("no such volume: \(name.quoted)") }
            if let users = volumeUsers()[name] {
                throw BerthError.invalidState("volume \(name.quoted) is in use by \(users.sorted().map(\.quoted).joined(separator: ", ")): remove the container first")
            }
            try volumeStore.remove(name)
        }
    }

    /// Removes unused volumes: anonymous ones, or all with `all` (docker ≥ 23). Returns their names.
    public func pruneVolumes(all: Bool) throws -> [String] {
        try FileLock.with(store.globalLock) {
            volumeStore.sweep()
            let used = volumeUsers()
            var removed: [String] = []
            for v in volumeStore.list() where used[v.name] == nil && (all || v.anonymous) {
                try volumeStore.remove(v.name)
                removed.append(v.name)
            }
            return removed
        }
    }

    /// After a container is gone: removes the volumes in `names` that no container uses any more
    /// (a failed `run`'s first-use volumes, or the anonymous ones of `--rm`/`rm -v`). Best effort.
    func removeUnusedVolumes(_ names: [String], anonymousOnly: Bool) {
        guard !names.isEmpty else { return }
        try? FileLock.with(store.globalLock) {
            let used = volumeUsers()
            for name in names where used[name] == nil {
                guard let v = volumeStore.info(name), v.anonymous || !anonymousOnly else { continue }
                try? volumeStore.remove(name)
            }
        }
    }

    /// `run`'s failure path: removes the container and the volumes its create made.
    public func removeFailedRun(_ ref: String) {
        let r = try? resolve(ref)
        let made = r.map { volumesMade(inDirectory: store.paths($0.id).directory) } ?? []
        try? remove(ref, force: true)
        removeUnusedVolumes(made, anonymousOnly: false)
    }
}
