import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the event journal: a replay of what is stored (the previous generation, then the
/// current file), then, by `poll`, only what was appended since. A rotation between two polls is
/// seen by the path naming another file: the old one (still open) is read to its end first, then
/// `journal.1` if that is not the old one (a second rotation), so a follower loses nothing unless
/// the journal is rotated three times between two of its polls.
public final class EventReader {
    public let journal: EventJournal
    private var fd: Int32 = -1
    private var pending: [UInt8] = []
    /// The longest line kept while waiting for its end; longer ones are not the writers' and are dropped.
    private let maxLine = EventLine.maxBytes * 2

    public init(journal: EventJournal) { self.journal = journal }

    deinit { if fd >= 0 { close(fd) } }

    /// Starts reading. `replay`: the events already stored are returned by the first `poll`;
    /// otherwise only those appended from now on.
    public func open(replay: Bool) -> [Event] {
        fd = Self.openJournal(journal.path)
        var events: [Event] = []
        guard replay else {
            if fd >= 0 { lseek(fd, 0, SEEK_END) }
            return events
        }
        var current = stat()
        let haveCurrent = fd >= 0 && fstat(fd, &current) == 0
        let old = Self.openJournal(journal.previousPath)
        if old >= 0 {
            var st = stat()
            // Rotated after `fd` was opened: the old generation is `fd` itself, read below.
            if !(haveCurrent && fstat(old, &st) == 0 && st.st_ino == current.st_ino && st.st_dev == current.st_dev) {
                var buffer: [UInt8] = []
                events += Self.drain(old, into: &buffer, limit: maxLine)
            }
            close(old)
        }
        events += poll()
        return events
    }

    /// The events appended since the last call, in file order.
    public func poll() -> [Event] {
        var events: [Event] = []
        if fd < 0 {
            fd = Self.openJournal(journal.path)
            if fd < 0 { return events }
        }
        events += Self.drain(fd, into: &pending, limit: maxLine)
        var atPath = stat(), open = stat()
        if stat(journal.path, &atPath) == 0, fstat(fd, &open) == 0,
           atPath.st_ino != open.st_ino || atPath.st_dev != open.st_dev {
            // Rotated: what was written to the old file before the rename has been read above
            // (writers of an old descriptor finish before its next poll); continue with the new one.
            events += Self.drain(fd, into: &pending, limit: maxLine)
            close(fd)
            pending.removeAll()
            // Rotated twice: the generation between ours and the current one is `journal.1` now.
            let between = Self.openJournal(journal.previousPath)
            var st = stat()
            if between >= 0 {
                if fstat(between, &st) == 0, st.st_ino != open.st_ino || st.st_dev != open.st_dev {
                    var buffer: [UInt8] = []
                    events += Self.drain(between, into: &buffer, limit: maxLine)
                }
                close(between)
            }
            fd = Self.openJournal(journal.path)
            if fd >= 0 { events += Self.drain(fd, into: &pending, limit: maxLine) }
        }
        return events
    }

    private static func openJournal(_ path: String) -> Int32 {
        Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    }

    /// Reads `fd` to its end; complete lines become events, an unfinished one waits in `buffer`.
    private static func drain(_ fd: Int32, into buffer: inout [UInt8], limit: Int) -> [Event] {
        var events: [Event] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var start = 0
            for i in 0..<n where chunk[i] == 0x0a {
                buffer += chunk[start..<i]
                if let e = Event.parse(buffer) { events.append(e) }
                buffer.removeAll(keepingCapacity: true)
                start = i + 1
            }
            buffer += chunk[start..<n]
            if buffer.count > limit { buffer.removeAll() }
        }
        return events
    }
}
