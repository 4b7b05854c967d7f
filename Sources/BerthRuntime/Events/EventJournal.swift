import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The root's event journal (docs/events.md): `events/journal`, JSON lines appended by every
/// `berth` process and every supervisor, no daemon in between. Each append is one `write(2)` of
/// one whole line (at most `EventLine.maxBytes`) to a descriptor opened with `O_APPEND`, so
/// concurrent writers never interleave or overwrite each other. When the file passes `maxBytes`
/// the writer that noticed renames it to `journal.1` (replacing the generation before), under
/// `journal.lock` and only if the path still names the file it wrote to, so two writers never
/// rotate twice. The shim (`events.c`) follows the same rules with the plan's `events` and
/// `events_max`.
public struct EventJournal: Sendable {
    /// The size past which the journal is rotated: about 30 000 events; two generations are kept.
    public static let defaultMaxBytes: Int64 = 8 << 20

    public let directory: String
    public let maxBytes: Int64

    public init(directory: String, maxBytes: Int64 = defaultMaxBytes) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    public var path: String { directory + "/journal" }
    /// The previous generation, read before `path` by a replay.
    public var previousPath: String { path + ".1" }
    public var lockPath: String { path + ".lock" }

    /// Appends one event of a container (or of another `type`: `service` for the autoscaler's
    /// decisions). Best effort: a journal that cannot be written (a full disk) never fails the
    /// lifecycle step it records, as removal must work on a full disk.
    public func append(type: String = "container", action: String, id: String, actor: String, extra: [String: String] = [:], time: Int64? = nil) {
        let line = EventLine.line(time: time ?? Self.now(), type: type, action: action, id: id, actor: actor, extra: extra)
        _ = append(line: Array(line.utf8))
    }

    /// Appends one preformatted line (ending in a newline); false when it could not be written whole.
    @discardableResult
    func append(line: [UInt8]) -> Bool {
        guard line.count <= EventLine.maxBytes, line.last == 0x0a else { return false }
        // A file rotated twice between our open and our write is already deleted (no links
        // left): the line would be lost with it, so it is written again to the current file.
        for _ in 0..<3 {
            var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0 && errno == ENOENT {
                _ = mkdir(directory, 0o700)
                fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            }
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var n: Int
            repeat { n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } } while n < 0 && errno == EINTR
            var st = stat()
            guard fstat(fd, &st) == 0 else { return n == line.count }
            if st.st_nlink == 0 { continue }
            if Int64(st.st_size) > maxBytes { rotate(written: st) }
            return n == line.count
        }
        return false
    }

    /// Renames the journal to `journal.1` if it is still the file `written` describes.
    private func rotate(written: stat) {
        try? FileLock.with(lockPath) {
            var now = stat()
            guard stat(path, &now) == 0, now.st_ino == written.st_ino, now.st_dev == written.st_dev else { return }
            _ = rename(path, previousPath)
        }
    }

    /// The wall clock in nanoseconds, as the supervisors stamp their events.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
