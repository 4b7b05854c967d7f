import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// docker's `wait --condition`.
public enum WaitCondition: String, Sendable, CaseIterable {
    /// Until the container is not running (at once if it is not): `wait`'s default.
    case notRunning = "not-running"
    /// Until its next exit, even if it is not running now.
    case nextExit = "next-exit"
    /// Until it has been removed (its last exit code is printed).
    case removed
}

extension Engine {
    public func wait(_ ref: String, condition: WaitCondition) throws -> Int32 {
        if condition == .notRunning { return try wait(ref) }
        let r = try resolve(ref)
        let p = store.paths(r.id)
        let before = store.shimStatus(r.id)?.finishedAtNanos
        var last: Int32 = store.shimStatus(r.id)?.exitCode ?? -1
        while true {
            let s = store.shimStatus(r.id)
            if let code = s?.exitCode { last = code }
            if s == nil && !FileIO.exists(p.directory) {
                // Removed: an --rm container leaves its final status for a minute.
                if let e = store.exitRecord(r.id), condition == .removed || e.finishedAtNanos != before {
                    return e.exitCode ?? last
                }
                if condition == .removed { return last }
                throw BerthError.noSuchContainer(ref)
            }
            if condition == .nextExit, let s, let finished = s.finishedAtNanos, finished != before, s.exitCode != nil {
                return s.exitCode ?? -1
            }
            if let s, s.status == "running", let shimPid = s.shimPid, ProcStat.isAlive(pid: shimPid, startTime: s.shimStart) {
                // Wakes at the supervisor's exit, or after 200 ms to read `status` again.
                _ = SupervisorWatch(pid: shimPid, startTime: s.shimStart).waitForExit(timeout: 0.2)
            } else {
                usleep(50_000)
            }
        }
    }
}
