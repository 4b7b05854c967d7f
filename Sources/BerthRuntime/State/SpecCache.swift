import BerthOCI
import BerthOS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a listing shows from a container's `config.json` (the one stored copy of what it runs with):
/// the command, hostname, terminal and limits. Decoded without the rest of the spec.
struct SpecSummary: Decodable, Sendable, Equatable {
    struct Process: Decodable, Sendable, Equatable {
        var args: [String]?
        var terminal: Bool?
    }
    struct Linux: Decodable, Sendable, Equatable {
        var resources: OCI.Resources?
    }
    var process: Process?
    var hostname: String?
    var linux: Linux?

    var limits: ResourceLimits { ResourceLimits(linux?.resources) }
}

/// The `SpecSummary` of each container, decoded once and then re-read only when a stat(2) shows a
/// new inode, size or mtime: `ps` and the dashboard's tick list every container, and an edit of a
/// stopped container's `config.json` is seen by the next listing. Only the summary is kept, so a
/// long-lived dashboard does not hold 200 full specs.
final class SpecCache: Sendable {
    private struct Entry {
        var inode: UInt64
        var mtimeNanos: Int64
        var size: Int64
        var summary: SpecSummary
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// nil when the file is missing (a container removed meanwhile) or does not decode (`start`
    /// and `inspect`, which read the whole spec, say why).
    func summary(path: String) -> SpecSummary? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            entries.withLock { $0[path] = nil }
            return nil
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let inode = UInt64(st.st_ino), size = Int64(st.st_size)
        if let cached = entries.withLock({ e -> SpecSummary? in
            guard let c = e[path], c.inode == inode, c.mtimeNanos == mtime, c.size == size else { return nil }
            return c.summary
        }) { return cached }
        guard let bytes = FileIO.read(path),
              let summary = try? JSONDecoder().decode(SpecSummary.self, from: Data(bytes)) else { return nil }
        entries.withLock { $0[path] = Entry(inode: inode, mtimeNanos: mtime, size: size, summary: summary) }
        return summary
    }

    func forget(path: String) {
        entries.withLock { $0[path] = nil }
    }
}
