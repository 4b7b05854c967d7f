import Foundation

/// Where background work (sampler, actions) leaves events for the UI thread. Posting writes a
/// byte to a pipe so the UI's `poll` wakes at once instead of polling on a timer.
final class Mailbox: @unchecked Sendable {
    // Unchecked: `events` is only touched under `lock`, the pipe fds are immutable after init.
    private let lock = NSLock()
    private var events: [DashboardEvent] = []
    let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func post(_ e: DashboardEvent) {
        lock.lock()
        events.append(e)
        lock.unlock()
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    func drain() -> [DashboardEvent] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readFD, &sink, sink.count) > 0 {}
        lock.lock()
        defer { lock.unlock() }
        let out = events
        events.removeAll()
        return out
    }
}
