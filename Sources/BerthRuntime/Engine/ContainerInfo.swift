import BerthOS
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
    /// `pause`d: running, with every process frozen by the cgroup freezer (docker's `Paused`).
    public var paused = false
    /// While it runs with a healthcheck: `starting`, `healthy` or `unhealthy` (`HealthState`).
    public var health: String?

    public init(status: ContainerStatus, pid: Int32? = nil, shimPid: Int32? = nil, exitCode: Int32? = nil,
                signal: Int32? = nil, oomKilled: Bool = false, startedAt: Date? = nil, finishedAt: Date? = nil,
                restartCount: Int = 0, error: String? = nil) {
        self.status = status; self.pid = pid; self.shimPid = shimPid; self.exitCode = exitCode
        self.signal = signal; self.oomKilled = oomKilled; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.restartCount = restartCount; self.error = error
    }

    public var isRunning: Bool { status == .running || status == .restarting }
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
    /// Address on the first network (eth0), if any.
    public var ipAddress: String?
    /// `--network container:NAME`: the id of the container whose network namespace it joins.
    public var networkContainer: String?
    /// Every network the container is on, eth0's first.
    public var networks: [NetworkAttachment] = []
    /// TCP ports published on the host.
    public var ports: [PortMapping] = []
    public var autoRemove: Bool

    /// docker's `HostConfig.NetworkMode`: eth0's network, `container:<id>`, `host` or `none`.
    public var networkModeText: String {
        switch network {
        case .bridge: return networks.first?.network ?? BridgeNetwork.defaultName
        case .container: return NetworkMode.containerPrefix + (networkContainer ?? "")
        case .host, .none: return network.rawValue
        }
    }

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
