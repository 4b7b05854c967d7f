import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the parsed `status` of each container (re-read when its file changes) and a
/// `SupervisorWatch` (a pidfd) of each supervisor, so that a listing or a stats sample costs one
/// stat(2) and one poll(2) per container while nothing changed.
final class StatusCache: Sendable {
    private let files = FileStampCache<ShimStatus?>()
    private let watches = Mutex<[Int32: SupervisorWatch]>([:])

    /// nil when the file is missing (the container is gone: what was kept for it goes too) or
    /// does not parse.
    func status(id: String, path: String) -> ShimStatus? {
        guard let status = files.value(for: id, path: path, load: { FileIO.readString($0).flatMap(ShimStatus.parse) }) else {
            forget(id)
            return nil
        }
        return status
    }

    /// Drops what is kept of a container that is gone, its supervisor's pidfd too: a long-lived
    /// dashboard never asks again about a removed container, so nothing else would close it.
    func forget(_ id: String) {
        dropWatches(of: [files.remove(id) ?? nil])
    }

    /// Forgets every container not in `present` (one listing's ids): those another process removed.
    func retain(_ present: Set<String>) {
        dropWatches(of: files.retain(present))
    }

    private func dropWatches(of statuses: [ShimStatus?]) {
        let pids = statuses.compactMap { $0?.shimPid }
        guard !pids.isEmpty else { return }
        watches.withLock { for pid in pids { $0[pid] = nil } }
    }

    func alive(pid: Int32, start: UInt64?) -> Bool {
        if let w = watches.withLock({ $0[pid] }), w.startTime == start {
            guard w.hasExited else { return true }
            watches.withLock { if $0[pid] === w { $0[pid] = nil } }
            return false
        }
        // First sight of this supervisor (or of a new one with the PID of an old one).
        let w = SupervisorWatch(pid: pid, startTime: start)
        guard w.isRunning else { return false }
        watches.withLock { $0[pid] = w }
        return true
    }
}
