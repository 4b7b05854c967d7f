import BerthOS

/// The runtime spec's statuses of a container that exists.
public enum OCIStatus: String, Sendable, CaseIterable {
    case created, running, paused, stopped
}

/// What is known of a container's init process when its status is decided.
public struct InitObservation: Sendable, Equatable {
    /// A process holds the init's pid (a zombie too).
    public var exists: Bool
    /// That process started when the init did (true when no start time was recorded): a pid reused
    /// by a later process is not the init.
    public var startTimeMatches: Bool
    /// It has exited and its parent (conmon, containerd-shim: the caller's subreaper) has not reaped
    /// it yet: /proc/PID/stat's state is Z (or X).
    public var isZombie: Bool

    public init(exists: Bool, startTimeMatches: Bool, isZombie: Bool) {
        self.exists = exists; self.startTimeMatches = startTimeMatches; self.isZombie = isZombie
    }

    /// Read from /proc/PID/stat now; `pid` 0 (none recorded yet) does not exist.
    public static func of(pid: Int32, startTime: UInt64?) -> InitObservation {
        guard pid > 0, let e = ProcStat.entry(pid: pid) else {
            return InitObservation(exists: false, startTimeMatches: false, isZombie: false)
        }
        return InitObservation(exists: true, startTimeMatches: startTime.map { $0 == e.startTime } ?? true, isZombie: e.isZombie)
    }
}

/// runc's rule for a container's status (libcontainer's `runType` and `refreshState`; crun decides
/// alike), in one place: `berth-runc state` (RuncRuntime) and `berth top --runc-root`
/// (RuntimeRootContainer) both call it. Only their inputs differ: berth-runc asks its cgroup manager
/// whether the container's cgroup is frozen, the dashboard reads the init's /proc/PID/cgroup.
public enum RuncStatusRule {
    /// - stopped: the init is gone, its pid now holds another process (start time differs), or it
    ///   is a zombie (it has exited; runc reads the 'Z' in /proc/PID/stat the same way);
    /// - created: the init still waits on `exec.fifo` for `start`;
    /// - paused: its cgroup is frozen;
    /// - running: otherwise.
    ///
    /// runc asks the freezer before the init; the order differs only for a frozen cgroup whose init
    /// has already ended (a v1 freezer does not let that happen: a frozen task dies once thawed) and
    /// for a created container that was paused (berth-runc pauses running ones only).
    /// `frozen` is asked only for a live init past `start`, so a stopped container's cgroup is never read.
    public static func status(init process: InitObservation, waitingForStart: Bool, frozen: () -> Bool) -> OCIStatus {
        guard process.exists, process.startTimeMatches, !process.isZombie else { return .stopped }
        if waitingForStart { return .created }
        return frozen() ? .paused : .running
    }
}
