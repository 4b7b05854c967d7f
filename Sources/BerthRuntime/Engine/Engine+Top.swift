import BerthOS
import CBerthSys
import Foundation
import Glibc

extension Engine {
    /// The host PIDs of a running container's processes (every process in its cgroups), for `top`.
    public func processes(_ ref: String) throws -> [Int32] {
        let r = try resolve(ref)
        _ = try store.requireRunningInit(r)
        return cgroupPids(id: r.id, parent: r.cgroupParent)
    }

    /// Each process of a running container as procfs shows it now, by PID (the dashboard's
    /// processes view). A process that exits between the cgroup's list and its procfs read is left out.
    public func processSamples(_ ref: String) throws -> [ProcessSample] {
        try processes(ref).compactMap { ProcessSample.read(pid: $0) }.sorted { $0.pid < $1.pid }
    }

    /// Sends `signal` to one process of a running container. The process is pinned by a pidfd
    /// first and then checked to be in the container's cgroups, so neither a PID of another
    /// container or of the host, nor a PID reused after the process exited, is ever signalled.
    public func signalProcess(_ ref: String, pid: Int32, signal: Int32) throws {
        guard pid > 0 else { throw BerthError.invalidArgument("\(pid) is not a process id") }
        guard signal > 0, signal < 65 else { throw BerthError.invalidArgument("\(signal) is not a signal number") }
        let r = try resolve(ref)
        _ = try store.requireRunningInit(r)
        let pidfd = berth_pidfd_open(pid)
        guard pidfd >= 0 else {
            if errno == ESRCH { throw BerthError.invalidState("process \(pid) has exited") }
            throw BerthError.system(operation: "pidfd_open", path: nil, errno: errno)
        }
        defer { close(pidfd) }
        guard cgroupPids(id: r.id, parent: r.cgroupParent).contains(pid) else {
            throw BerthError.invalidArgument("process \(pid) is not one of \(Quoted.escapeControls(r.name))'s")
        }
        guard berth_pidfd_send_signal(pidfd, signal) == 0 else {
            if errno == ESRCH { throw BerthError.invalidState("process \(pid) has exited") }
            throw BerthError.system(operation: "pidfd_send_signal", path: nil, errno: errno)
        }
    }
}
