import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What was derived from one small file per container, kept until a stat(2) shows a new inode,
/// size or mtime: a listing or a stats sample of an unchanged container then costs one stat.
/// The files it serves are replaced by rename (`status`) or rewritten in full (an edited
/// `config.json`), so a new stamp means new content. Keyed by container id.
final class FileStampCache<Value: Sendable>: Sendable {
    private struct Stamp: Equatable {
        var inode: UInt64
        var mtimeNanos: Int64
        var size: Int64
    }

    private let entries = Mutex<[String: (stamp: Stamp, value: Value)]>([:])

    /// The value of `id`'s file at `path`: the kept one while the file is unchanged, else what `load`
    /// derives from it (kept too, whatever it is). nil when the file is missing; what was kept for `id`
    /// stays until `remove` or `retain`, so the caller can release what it holds.
    func value(for id: String, path: String, load: (String) -> Value) -> Value? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let stamp = Stamp(inode: UInt64(st.st_ino),
                          mtimeNanos: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                          size: Int64(st.st_size))
        if let kept = entries.withLock({ $0[id] }), kept.stamp == stamp { return kept.value }
        let value = load(path)
        entries.withLock { $0[id] = (stamp, value) }
        return value
    }

    /// What was last loaded for `id`, without a stat: for a caller that validated it a moment ago
    /// in the same pass (a listing followed by its stats sample).
    func kept(_ id: String) -> Value? {
        entries.withLock { $0[id]?.value }
    }

    /// Forgets `id`; returns what was kept for it.
    @discardableResult
    func remove(_ id: String) -> Value? {
        entries.withLock { $0.removeValue(forKey: id)?.value }
    }

    /// Forgets every id not in `present`; returns what was kept for them.
    @discardableResult
    func retain(_ present: Set<String>) -> [Value] {
        entries.withLock { entries in
            let gone = entries.keys.filter { !present.contains($0) }
            return gone.compactMap { entries.removeValue(forKey: $0)?.value }
        }
    }
}
