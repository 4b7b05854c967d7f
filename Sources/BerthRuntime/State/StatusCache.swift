import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the parsed `status` of each container and a pidfd of each supervisor, so that a
/// listing or a stats sample costs one stat(2) and one poll(2) per container while nothing
/// changed. The shim replaces `status` by rename, so a new inode or mtime means a new file.
final class StatusCache: @unchecked Sendable {
    private struct Entry {
        var inode: UInt64
        var mtimeNanos: Int64
        var size: Int64
        var status: ShimStatus?
    }

    private struct Watch {
        var pid: Int32
        var start: UInt64?
        var pidfd: Int32
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var watches: [Int32: Watch] = [:]

    deinit {
        for w in watches.values where w.pidfd >= 0 { close(w.pidfd) }
    }

    func status(path: String) -> ShimStatus? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            lock.lock(); entries[path] = nil; lock.unlock()
            return nil
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        lock.lock()
        if let e = entries[path], e.inode == UInt64(st.st_ino), e.mtimeNanos == mtime, e.size == Int64(st.st_size) {
            lock.unlock()
            return e.status
        }
        lock.unlock()
        let parsed = FileIO.readString(path).flatMap(ShimStatus.parse)
        lock.lock()
        entries[path] = Entry(inode: UInt64(st.st_ino), mtimeNanos: mtime, size: Int64(st.st_size), status: parsed)
        lock.unlock()
        return parsed
    }

    func alive(pid: Int32, start: UInt64?) -> Bool {
        lock.lock()
        if let w = watches[pid], w.start == start {
            lock.unlock()
            guard w.pidfd >= 0 else { return Engine.isAlive(pid: pid, startTime: start) }
            var pfd = pollfd(fd: w.pidfd, events: Int16(POLLIN), revents: 0)
            let exited = poll(&pfd, 1, 0) > 0
            if exited { forget(pid) }
            return !exited
        }
        lock.unlock()
        // First sight of this supervisor: open a pidfd, then check the start time so the pidfd
        // is known to refer to the recorded process and not to a later one with its PID.
        let fd = berth_pidfd_open(pid)
        guard Engine.isAlive(pid: pid, startTime: start) else {
            if fd >= 0 { close(fd) }
            return false
        }
        lock.lock()
        if let old = watches[pid], old.pidfd >= 0 { close(old.pidfd) }
        watches[pid] = Watch(pid: pid, start: start, pidfd: fd)
        lock.unlock()
        return true
    }

    private func forget(_ pid: Int32) {
        lock.lock()
        if let w = watches.removeValue(forKey: pid), w.pidfd >= 0 { close(w.pidfd) }
        lock.unlock()
    }
}
