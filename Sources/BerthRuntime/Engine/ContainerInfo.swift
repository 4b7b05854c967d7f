import Foundation

/// Lifecycle states, using docker's words.
public enum ContainerStatus: String, Codable, Sendable, CaseIterable {
    case created
    case running
    /// Waiting in the restart policy's backoff between two runs.
    case restarting
    case exited
    /// The state says running but the supervisor (shim) is gone: nobody records its exit any more.
    case dead
    /// The container's record (container.json) cannot be read; `error` says why. `rm -f ID` removes it.
    case broken
}

/// What happened to the container's last run; written by the shim, read by everyone.
public struct ContainerState: Codable, Sendable, Equatable {
    public var status: ContainerStatus
    /// Host PID of the container's init process while it runs.
    public var pid: Int32?
    /// Host PID of the container's supervisor.
    public var shimPid: Int32?
    public var exitCode: Int32?
    /// Signal that ended the last run, if a signal did.
    public var signal: Int32?
    public var oomKilled: Bool
    public var startedAt: Date?
    public var finishedAt: Date?
    public var restartCount: Int
    /// Set when the start itself failed (e.g. the command was not found), or why a container is broken.
    public var error: String?
    /// Processes still in the container's cgroups although its supervisor is gone (`dead`, `broken`):
    /// nobody watches them; `stop` and `rm -f` kill them.
    public var strayProcesses: Int?

    public init(status: ContainerStatus, pid: Int32? = nil, shimPid: Int32? = nil, exitCode: Int32? = nil,
                signal: Int32? = nil, oomKilled: Bool = false, startedAt: Date? = nil, finishedAt: Date? = nil,
                restartCount: Int = 0, error: String? = nil) {
        self.status = status; self.pid = pid; self.shimPid = shimPid; self.exitCode = exitCode
        self.signal = signal; self.oomKilled = oomKilled; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.restartCount = restartCount; self.error = error
    }

    public var isRunning: Bool { status == .running || status == .restarting }
}

/// Resource limits a user asked for; nil means unlimited / inherited.
public struct ResourceLimits: Codable, Sendable, Equatable {
    /// Bytes.
    public var memory: Int64?
    /// Memory + swap in bytes; -1 means unlimited swap.
    public var memorySwap: Int64?
    /// Number of CPUs (CFS quota / period).
    public var cpus: Double?
    /// Relative weight, docker's scale (2...262144, default 1024).
    public var cpuShares: Int?
    /// cpuset list such as "0-1" or "0,2".
    public var cpusetCpus: String?
    public var pidsLimit: Int?

    public init(memory: Int64? = nil, memorySwap: Int64? = nil, cpus: Double? = nil, cpuShares: Int? = nil,
                cpusetCpus: String? = nil, pidsLimit: Int? = nil) {
        self.memory = memory; self.memorySwap = memorySwap; self.cpus = cpus
        self.cpuShares = cpuShares; self.cpusetCpus = cpusetCpus; self.pidsLimit = pidsLimit
    }

    public var isEmpty: Bool { self == ResourceLimits() }
}

/// docker's `--restart`.
public enum RestartPolicy: Codable, Sendable, Equatable, CustomStringConvertible {
    case no
    case always
    case onFailure(maxRetries: Int?)
    case unlessStopped

    public var description: String {
        switch self {
        case .no: return "no"
        case .always: return "always"
        case .unlessStopped: return "unless-stopped"
        case .onFailure(let n): return n.map { "on-failure:\($0)" } ?? "on-failure"
        }
    }

    /// Parses docker's syntax: `no`, `always`, `unless-stopped`, `on-failure[:N]`.
    public init(parsing text: String) throws {
        switch text {
        case "no", "": self = .no
        case "always": self = .always
        case "unless-stopped": self = .unlessStopped
        case "on-failure": self = .onFailure(maxRetries: nil)
        default:
            if text.hasPrefix("on-failure:"), let n = Int(text.dropFirst("on-failure:".count)), n >= 0 {
                self = .onFailure(maxRetries: n)
            } else {
                throw BerthError.invalidArgument("invalid restart policy \(text.quoted): expected no, always, unless-stopped or on-failure[:N]")
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public enum NetworkMode: String, Codable, Sendable, CaseIterable {
    /// A new network namespace with only loopback.
    case none
    /// The host's network namespace.
    case host
    /// A veth pair on Berth's bridge (once bridge networking lands).
    case bridge
}

/// Everything the CLI and the dashboard show about one container.
public struct ContainerInfo: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var name: String
    public var image: String
    /// Entrypoint + command, as executed.
    public var command: [String]
    public var created: Date
    public var state: ContainerState
    public var limits: ResourceLimits
    public var restartPolicy: RestartPolicy
    public var labels: [String: String]
    public var hostname: String
    public var network: NetworkMode
    /// Address on the bridge, if any.
    public var ipAddress: String?
    /// TCP ports published on the host.
    public var ports: [PortMapping] = []
    public var autoRemove: Bool

    /// The service this container is a replica of (label `berth.service`).
    public var service: String? { labels["berth.service"] }
    public var shortID: String { String(id.prefix(12)) }

    public init(id: String, name: String, image: String, command: [String], created: Date, state: ContainerState,
                limits: ResourceLimits = ResourceLimits(), restartPolicy: RestartPolicy = .no,
                labels: [String: String] = [:], hostname: String, network: NetworkMode = .none,
                ipAddress: String? = nil, autoRemove: Bool = false) {
        self.id = id; self.name = name; self.image = image; self.command = command; self.created = created
        self.state = state; self.limits = limits; self.restartPolicy = restartPolicy; self.labels = labels
        self.hostname = hostname; self.network = network; self.ipAddress = ipAddress; self.autoRemove = autoRemove
    }
}
