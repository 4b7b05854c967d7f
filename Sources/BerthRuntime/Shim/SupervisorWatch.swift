import BerthOS
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A container's supervisor, watched through a pidfd: the one waiter for a supervisor's exit.
/// `Engine.stop` and `Engine.wait` wait with it, a log follower ends when it fires (the supervisor
/// outlives the container's restarts and writes the last of its output before it exits, so its
/// exit is the end of the log), and the `StatusCache` keeps one per supervisor so a liveness check
/// is one poll(2). The supervisor is not our child, so waitpid cannot be used.
public final class SupervisorWatch: Sendable {
    let pid: Int32?
    let startTime: UInt64?
    /// -1 when none could be opened (the process is gone, or an old kernel): then /proc is read.
    private let pidfd: Int32

    /// `pid` nil (a container that was never started) or gone: already exited. The pidfd is opened
    /// before anyone checks the start time (`isRunning`), so a check that passes proves the pidfd
    /// refers to the recorded process and not to a later one that reused its PID.
    public init(pid: Int32?, startTime: UInt64?) {
        self.pid = pid
        self.startTime = startTime
        pidfd = pid.map { $0 > 0 ? berth_pidfd_open($0) : -1 } ?? -1
    }

    deinit { if pidfd >= 0 { close(pidfd) } }

    /// The recorded process runs now (its PID holds a live process with the recorded start time).
    var isRunning: Bool { ProcStat.isAlive(pid: pid, startTime: startTime) }

    /// Non-blocking: one poll(2) of the pidfd (a /proc read when there is none). Only meaningful
    /// once `isRunning` has said yes after this watch was made.
    var hasExited: Bool {
        guard let pid, pid > 0 else { return true }
        guard pidfd >= 0 else { return !ProcStat.isAlive(pid: pid, startTime: startTime) }
        var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    /// True once the supervisor has exited; otherwise waits up to `timeout` seconds for it
    /// (on the pidfd, waking each second to re-check /proc; polling every 2 ms without one).
    public func waitForExit(timeout: Double) -> Bool {
        guard let pid, pid > 0 else { return true }
        let deadline = Double(berth_monotonic_ns()) / 1e9 + timeout
        while true {
            if !ProcStat.isAlive(pid: pid, startTime: startTime) { return true }
            let left = deadline - Double(berth_monotonic_ns()) / 1e9
            if left <= 0 { return false }
            if pidfd >= 0 {
                var pfd = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, Int32(min(left * 1000, 1000))) > 0 { return true }
            } else {
                usleep(2000)
            }
        }
    }
}

extension Engine {
    /// A watch on the supervisor of `ref` as it is now (already exited when it does not run).
    public func supervisorWatch(_ ref: String) throws -> SupervisorWatch {
        let id = try resolve(ref).id
        let s = store.shimStatus(id)
        return SupervisorWatch(pid: s?.shimPid, startTime: s?.shimStart)
    }
}
