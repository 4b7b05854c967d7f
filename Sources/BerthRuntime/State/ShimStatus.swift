import Foundation

/// The `status` file the shim writes atomically after every transition: `key=value` lines.
/// Keys: status, shim_pid, shim_start, pid, exit_code, signal, oom_killed, started_at,
/// finished_at (unix ns), restart_count, error.
public struct ShimStatus: Equatable, Sendable {
    public var status: String
    public var shimPid: Int32?
    /// Start time of the shim in clock ticks since boot (field 22 of /proc/PID/stat), to tell it from a reused PID.
    public var shimStart: UInt64?
    public var pid: Int32?
    public var exitCode: Int32?
    public var signal: Int32?
    public var oomKilled: Bool
    public var startedAtNanos: Int64?
    public var finishedAtNanos: Int64?
    public var restartCount: Int
    public var error: String?

    public init(status: String, shimPid: Int32? = nil, shimStart: UInt64? = nil, pid: Int32? = nil,
                exitCode: Int32? = nil, signal: Int32? = nil, oomKilled: Bool = false, startedAtNanos: Int64? = nil,
                finishedAtNanos: Int64? = nil, restartCount: Int = 0, error: String? = nil) {
        self.status = status; self.shimPid = shimPid; self.shimStart = shimStart; self.pid = pid
        self.exitCode = exitCode; self.signal = signal; self.oomKilled = oomKilled
        self.startedAtNanos = startedAtNanos; self.finishedAtNanos = finishedAtNanos
        self.restartCount = restartCount; self.error = error
    }

    public static func parse(_ text: String) -> ShimStatus? {
        var s = ShimStatus(status: "")
        // The shim writes ASCII keys and numbers; splitting the UTF-8 bytes instead of the String's
        // Characters skips grapheme breaking, which cost `ps` ≈ 60 k instructions per container.
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let value = String(decoding: line[line.index(after: eq)...], as: UTF8.self)
            switch String(decoding: line[..<eq], as: UTF8.self) {
            case "status": s.status = value
            case "shim_pid": s.shimPid = Int32(value)
            case "shim_start": s.shimStart = UInt64(value)
            case "pid": s.pid = Int32(value)
            case "exit_code": s.exitCode = Int32(value)
            case "signal": s.signal = Int32(value)
            case "oom_killed": s.oomKilled = value == "1"
            case "started_at": s.startedAtNanos = Int64(value)
            case "finished_at": s.finishedAtNanos = Int64(value)
            case "restart_count": s.restartCount = Int(value) ?? 0
            case "error": s.error = value
            default: continue
            }
        }
        return s.status.isEmpty ? nil : s
    }

    /// The user-facing state. `shimAlive` says whether the recorded supervisor still runs: a
    /// container that claims to run without one is `dead`, not running.
    public func containerState(shimAlive: Bool) -> ContainerState {
        var status: ContainerStatus
        switch self.status {
        case "running": status = .running
        case "restarting": status = .restarting
        case "exited": status = .exited
        default: status = .created
        }
        if (status == .running || status == .restarting) && !shimAlive { status = .dead }
        func date(_ ns: Int64?) -> Date? { ns.map { Date(timeIntervalSince1970: Double($0) / 1e9) } }
        return ContainerState(status: status, pid: status == .running ? pid : nil, shimPid: shimPid,
                              exitCode: exitCode, signal: signal, oomKilled: oomKilled,
                              startedAt: date(startedAtNanos), finishedAt: date(finishedAtNanos),
                              restartCount: restartCount, error: error)
    }
}
