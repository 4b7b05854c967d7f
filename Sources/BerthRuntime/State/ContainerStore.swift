import BerthOCI
import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The containers of one root as the files under it: ids, records (`container.json`), paths,
/// names, config.json and the supervisor's `status` with its liveness. Reads only what is on disk
/// (the source of truth, shared with other `berth` processes and the supervisors) and caches
/// what it read: records (rewritten only by `rename` and `update`), status and config.json are
/// re-read when a stat(2) shows a new file.
final class ContainerStore: Sendable {
    let root: String
    /// container.json never changes after creation; decoding it is the costly part of a listing.
    private let records = FileStampCache<ContainerRecord?>()
    private let statusCache = StatusCache()
    /// What listings show from config.json; an edit of a stopped container's file is seen by the
    /// next listing. Only the summary is kept, so a long-lived dashboard does not hold 200 specs.
    private let specCache = FileStampCache<SpecSummary?>()

    init(root: String) { self.root = root }

    var containersDirectory: String { root + "/containers" }
    /// Held while a container is created, renamed away for removal, or leftovers are reconciled.
    var globalLock: String { root + "/containers.lock" }
    var names: NameIndex { NameIndex(root: root) }
    /// Exit statuses of auto-removed (`--rm`) containers, kept a minute for a waiting `berth run`.
    var exitRecords: String { root + "/exits" }

    func paths(_ id: String) -> ContainerPaths { ContainerPaths(root: root, id: id) }
    /// Where a container is built before one rename makes it visible.
    func creatingDirectory(_ id: String) -> String { containersDirectory + "/" + Self.creatingPrefix + id }
    /// Where a container goes by one rename when it is removed.
    func removingDirectory(_ id: String) -> String { containersDirectory + "/" + Self.removingPrefix + id }
    static let creatingPrefix = ".creating-", removingPrefix = ".removing-"

    // MARK: - Records and references

    /// Ids are 64 hex digits; `.removing-*` and lock files are not containers.
    func containerIDs() -> [String] {
        FileIO.entryNames(containersDirectory).filter { $0.count == 64 }
    }

    /// nil when the container vanished (removed concurrently) or was never complete.
    func record(_ id: String) -> ContainerRecord? {
        let r = records.value(for: id, path: paths(id).record) { path in
            FileIO.read(path).flatMap { try? JSONDecoder.berth.decode(ContainerRecord.self, from: Data($0)) }
        }
        return r ?? nil
    }

    /// The record a listing read a moment ago (no stat), else as `record`.
    func listedRecord(_ id: String) -> ContainerRecord? {
        (records.kept(id) ?? nil) ?? record(id)
    }

    /// Forgets every cached container that is not in `present` (one listing's ids): those another
    /// process removed.
    func forgetAllBut(_ present: Set<String>) {
        records.retain(present)
        specCache.retain(present)
        statusCache.retain(present)
    }

    /// Drops what is cached of a container being removed.
    func forget(_ id: String) {
        records.remove(id)
        specCache.remove(id)
        statusCache.forget(id)
    }

    /// Resolves a name, a full id or a unique id prefix.
    /// Names resolve through `names/<name>` → id links: O(1), without decoding every record.
    func resolve(_ ref: String) throws -> ContainerRecord {
        guard ResourceName.isValid(ref) else { throw BerthError.noSuchContainer(ref) }
        if let id = names.id(of: ref), let r = record(id), r.name == ref { return r }
        if ref.count == 64, let r = record(ref) { return r }
        let matches = containerIDs().filter { $0.hasPrefix(ref) }
        if matches.count > 1 { throw BerthError.ambiguousContainer(ref) }
        if let id = matches.first, let r = record(id) { return r }
        // A name whose link was lost (a crash between two steps) is still found, slowly.
        if let r = containerIDs().lazy.compactMap({ self.record($0) }).first(where: { $0.name == ref }) { return r }
        throw BerthError.noSuchContainer(ref)
    }

    /// Layer directories the containers of this root use (running or not).
    func layersInUse() -> Set<String> {
        Set(containerIDs().compactMap { record($0)?.layers }.joined())
    }

    // MARK: - config.json

    /// The container's config.json: the one copy of what it runs with. nil when it vanished.
    func storedSpec(_ id: String) throws -> OCI.Spec? {
        let path = paths(id).spec
        guard let bytes = FileIO.read(path) else { return nil }
        do { return try JSONDecoder().decode(OCI.Spec.self, from: Data(bytes)) } catch {
            throw BerthError.corruptState("\(path): \(error)")
        }
    }

    /// What listings show from config.json, cached until the file changes.
    /// nil when the file is missing or does not decode (`start` and `inspect`, which read the
    /// whole spec, say why).
    func specSummary(_ id: String) -> SpecSummary? {
        specCache.value(for: id, path: paths(id).spec) { path in
            FileIO.read(path).flatMap { try? SpecSummary(json: $0) }
        } ?? nil
    }

    // MARK: - Status

    func shimStatus(_ id: String) -> ShimStatus? {
        statusCache.status(id: id, path: paths(id).status)
    }

    /// As `ProcStat.isAlive`, through a cached pidfd: one poll(2) per call instead of parsing /proc.
    func shimAlive(_ s: ShimStatus) -> Bool {
        guard let pid = s.shimPid, pid > 0 else { return false }
        return statusCache.alive(pid: pid, start: s.shimStart)
    }

    /// The host PID of the container's init while it runs under a live supervisor; nil otherwise
    /// (created, exited, restarting, or its supervisor gone).
    func runningInit(_ id: String) -> Int32? {
        guard let s = shimStatus(id), s.status == "running", let pid = s.pid, shimAlive(s) else { return nil }
        return pid
    }

    /// As `runningInit`, for operations that need a running container.
    func requireRunningInit(_ r: ContainerRecord) throws -> Int32 {
        guard let pid = runningInit(r.id) else { throw BerthError.invalidState("container \(r.name) is not running") }
        return pid
    }

    func state(_ id: String) -> ContainerState {
        state(id, spec: specSummary(id))
    }

    /// As `state(_:)`, with the config.json summary the caller holds: the health record is read
    /// only for a container with a healthcheck (a listing of 200 made 200 failed opens a tick).
    func state(_ id: String, spec: SpecSummary?) -> ContainerState {
        guard let s = shimStatus(id) else { return ContainerState(status: .created) }
        var state = s.containerState(shimAlive: shimAlive(s))
        if state.status == .running {
            if FileIO.exists(paths(id).pausedMarker) { state.paused = true }
            if spec?.hasHealthcheck ?? true { state.health = HealthState.readStatus(paths(id).health) }
        }
        return state
    }

    // MARK: - Exit records of auto-removed containers

    /// The last status of the auto-removed container `id`, while its exit record lasts.
    func exitRecord(_ id: String) -> ShimStatus? {
        FileIO.readString(exitRecords + "/" + id).flatMap(ShimStatus.parse)
    }

    func keepExitRecord(_ id: String) {
        guard let status = FileIO.read(paths(id).status) else { return }
        try? FileIO.mkdirs(exitRecords)
        try? FileIO.writeAtomically(exitRecords + "/" + id, bytes: status)
    }

    /// Exit records are only needed by a waiter that is already waiting.
    func pruneExitRecords() {
        let now = time(nil)
        for name in FileIO.entryNames(exitRecords) where name.count == 64 {
            var st = stat()
            if stat(exitRecords + "/" + name, &st) == 0, now - st.st_mtim.tv_sec > 60 { unlink(exitRecords + "/" + name) }
        }
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

    /// The directory name of the broken container `ref` designates (its full id or a unique prefix).
    func brokenContainer(_ ref: String) -> String? {
        guard !ref.isEmpty, !ref.contains("/"), !ref.hasPrefix(".") else { return nil }
        let matches = containerIDs().filter { $0.hasPrefix(ref) }
        guard matches.count == 1, let id = matches.first, brokenReason(id) != nil else { return nil }
        return id
    }
}
