import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The controller of an autoscaled service, as `services/NAME.autoscaler` records it: the
/// monitor process (which restarts the worker if it dies) and the worker that samples and
/// scales. Each pid is kept with its start time (field 22 of `/proc/PID/stat`), so a pid reused
/// by an unrelated process after a reboot or a crash is never signalled or shown as ours.
public struct AutoscalerRecord: Codable, Sendable, Equatable {
    public var monitorPid: Int32
    public var monitorStart: UInt64
    public var workerPid: Int32?
    public var workerStart: UInt64?
    /// How many times the monitor restarted a worker that died.
    public var restarts: Int

    public init(monitorPid: Int32, monitorStart: UInt64, workerPid: Int32? = nil, workerStart: UInt64? = nil, restarts: Int = 0) {
        self.monitorPid = monitorPid; self.monitorStart = monitorStart
        self.workerPid = workerPid; self.workerStart = workerStart; self.restarts = restarts
    }

    /// The start time of `pid` in clock ticks since boot, or nil when there is no such process.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = FileIO.read("/proc/\(pid)/stat") else { return nil }
        // The command (field 2) is in parentheses and may hold spaces or ')': fields after the
        // last ')' are fixed. starttime is field 22, the 20th after the command.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    public static func isAlive(_ pid: Int32?, start: UInt64?) -> Bool {
        guard let pid, let start else { return false }
        return startTime(of: pid) == start
    }

    public var monitorAlive: Bool { Self.isAlive(monitorPid, start: monitorStart) }
    public var workerAlive: Bool { Self.isAlive(workerPid, start: workerStart) }
}

/// What `service inspect` and `service ls` show of an autoscaled service.
public struct AutoscalerStatus: Codable, Sendable, Equatable {
    public var policy: AutoscalePolicy
    /// The worker's pid when it runs.
    public var controllerPid: Int32?
    public var running: Bool
    public var restarts: Int
}
