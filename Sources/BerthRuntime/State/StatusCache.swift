import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the parsed `status` of each container and a `SupervisorWatch` (a pidfd) of each
/// supervisor, so that a listing or a stats sample costs one stat(2) and one poll(2) per container
/// while nothing changed. The shim replaces `status` by rename, so a new inode or mtime means a new file.
final class StatusCache: Sendable {
    private struct Entry {
        var inode: UInt64
        var mtimeNanos: Int64
        var size: Int64
        var status: ShimStatus?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let watches = Mutex<[Int32: SupervisorWatch]>([:])

    func status(path: String) -> ShimStatus? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            forget(path: path)
            return nil
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let inode = UInt64(st.st_ino), size = Int64(st.st_size)
        if let cached = entries.withLock({ e -> ShimStatus?? in
            guard let c = e[path], c.inode == inode, c.mtimeNanos == mtime, c.size == size else { return nil }
            return .some(c.status)
        }) { return cached }
        let parsed = FileIO.readString(path).flatMap(ShimStatus.parse)
        entries.withLock { $0[path] = Entry(inode: inode, mtimeNanos: mtime, size: size, status: parsed) }
        return parsed
    }

    /// Drops what is kept of a container that is gone, its supervisor's pidfd too: a long-lived
    /// dashboard never asks again about a removed container, so nothing else would close it.
    func forget(path: String) {
        let gone = entries.withLock { $0.removeValue(forKey: path) }
        if let pid = gone?.status?.shimPid { watches.withLock { _ = $0.removeValue(forKey: pid) } }
    }

    /// The directories (`containers/<id>`) whose status is cached.
    func cachedDirectories() -> [String] {
        entries.withLock { $0.keys.map { ($0 as NSString).deletingLastPathComponent } }
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
