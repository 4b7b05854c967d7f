import Foundation
import Synchronization

/// Where background work (sampler, actions) leaves events for the UI thread. Posting writes a
/// byte to a pipe so the UI's `poll` wakes at once instead of polling on a timer.
final class Mailbox: Sendable {
    private let events = Mutex<[DashboardEvent]>([])
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
        events.withLock { $0.append(e) }
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    func drain() -> [DashboardEvent] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readFD, &sink, sink.count) > 0 {}
        return events.withLock { events in
            let out = events
            events.removeAll()
            return out
        }
    }
}
