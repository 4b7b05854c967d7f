import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One container's supervisor, watched so that a log follower ends when it exits. The supervisor
/// outlives the container's restarts and writes the last of its output before it exits, so its
/// exit is the end of the log. Waits through a pidfd, as the engine's own waits do.
public final class SupervisorWatch: Sendable {
    private let pid: Int32?
    private let startTime: UInt64?
    private let pidfd: Int32

    /// `pid` nil (a container that was never started) or gone: already exited.
    public init(pid: Int32?, startTime: UInt64?) {
        self.pid = pid
        self.startTime = startTime
        pidfd = pid.map { $0 > 0 ? berth_pidfd_open($0) : -1 } ?? -1
    }

    deinit { if pidfd >= 0 { close(pidfd) } }

    /// True once the supervisor has exited; otherwise waits up to `timeout` seconds for it.
    public func waitForExit(timeout: Double) -> Bool {
        guard let pid, pid > 0 else { return true }
        return Engine.waitForExit(pidfd: pidfd, pid: pid, start: startTime, timeout: timeout)
    }
}

extension Engine {
    /// A watch on the supervisor of `ref` as it is now (already exited when it does not run).
    public func supervisorWatch(_ ref: String) throws -> SupervisorWatch {
        let id = try resolve(ref).id
        let s = shimStatus(id)
        return SupervisorWatch(pid: s?.shimPid, startTime: s?.shimStart)
    }
}
