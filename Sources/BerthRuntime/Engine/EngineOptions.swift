import Foundation

public struct EngineOptions: Sendable {
    /// Holds all state, images and logs (`--root`, `BERTH_ROOT`).
    public var root: String
    /// `--cgroup-parent` default for new containers; nil = `<current cgroup>/berth`.
    public var cgroupParent: String?
    /// The supervisor binary; nil = `berth-shim` beside the running executable, or `BERTH_SHIM`.
    public var shimPath: String?
    /// The CLI, exec'd by a supervisor to remove an `--rm` container; nil = `berth` beside the executable.
    public var cliPath: String?
    /// The most replicas one service may have (`BERTH_MAX_REPLICAS`, default 1000): a typo such
    /// as `scale web=10000` is refused before anything is created.
    public var maxReplicas: Int
    /// The size at which the event journal is rotated (`BERTH_EVENTS_MAX_BYTES`; tests make it small).
    public var eventsMaxBytes: Int64
    /// Where a one-line notice goes (a limit the host's kernel cannot apply, `DroppedLimit`):
    /// `berth: warning: …` on stderr unless a front end (the dashboard) shows it its own way.
    public var notice: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("berth: warning: \($0)\n".utf8)) }

    public static let defaultMaxReplicas = 1000
    public static let defaultRoot = "/var/lib/berth"

    public init(root: String? = nil, cgroupParent: String? = nil, shimPath: String? = nil, cliPath: String? = nil,
                maxReplicas: Int? = nil) {
        let env = ProcessInfo.processInfo.environment
        self.root = root ?? env["BERTH_ROOT"] ?? Self.defaultRoot
        self.cgroupParent = cgroupParent
        self.shimPath = shimPath ?? env["BERTH_SHIM"]
        self.cliPath = cliPath ?? env["BERTH_CLI"]
        self.maxReplicas = maxReplicas ?? env["BERTH_MAX_REPLICAS"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
            ?? Self.defaultMaxReplicas
        eventsMaxBytes = env["BERTH_EVENTS_MAX_BYTES"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? EventJournal.defaultMaxBytes
    }
}
