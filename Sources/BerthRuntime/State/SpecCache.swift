import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The decoded `config.json` of each container: the one stored copy of what the container runs
/// with (process, hostname, limits). A listing shows command, hostname and limits from it, so it
/// is decoded once and then re-read only when a stat(2) shows a new inode, size or mtime (an edit
/// of a stopped container's bundle is seen by the next `ps`, `inspect` and `start`).
final class SpecCache: Sendable {
    private struct Entry {
        var inode: UInt64
        var mtimeNanos: Int64
        var size: Int64
        var spec: OCI.Spec
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// nil when the file is missing (a container removed meanwhile); throws `corruptState` when it
    /// does not decode.
    func spec(path: String) throws -> OCI.Spec? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            entries.withLock { $0[path] = nil }
            return nil
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let inode = UInt64(st.st_ino), size = Int64(st.st_size)
        if let cached = entries.withLock({ e -> OCI.Spec? in
            guard let c = e[path], c.inode == inode, c.mtimeNanos == mtime, c.size == size else { return nil }
            return c.spec
        }) { return cached }
        guard let bytes = FileIO.read(path) else { return nil }
        let spec: OCI.Spec
        do { spec = try JSONDecoder().decode(OCI.Spec.self, from: Data(bytes)) } catch {
            throw BerthError.corruptState("\(path): \(error)")
        }
        entries.withLock { $0[path] = Entry(inode: inode, mtimeNanos: mtime, size: size, spec: spec) }
        return spec
    }

    func forget(path: String) {
        entries.withLock { $0[path] = nil }
    }
}
