import Foundation

/// What `berth run`/`create` asks for, in docker's terms. Options the user left out are nil
/// and fall back to the image's defaults.
public struct ContainerRequest: Sendable, Equatable {
    public var image: String
    public var name: String?
    /// Replaces the image's Cmd when not empty.
    public var command: [String]
    /// Replaces the image's Entrypoint when set (an empty array clears it).
    public var entrypoint: [String]?
    public var env: [String]
    public var workingDir: String?
    public var user: String?
    public var hostname: String?
    public var limits: ResourceLimits
    public var restartPolicy: RestartPolicy
    public var network: NetworkMode
    public var autoRemove: Bool
    public var labels: [String: String]
    public var cgroupParent: String?
    public var ports: [PortMapping] = []
    /// `-t`: the init's stdio is a terminal from the container's own devpts.
    public var tty = false
    /// `-i`: keep stdin open for attached clients.
    public var interactive = false

    public init(image: String, name: String? = nil, command: [String] = [], entrypoint: [String]? = nil,
                env: [String] = [], workingDir: String? = nil, user: String? = nil, hostname: String? = nil,
                limits: ResourceLimits = ResourceLimits(), restartPolicy: RestartPolicy = .no,
                network: NetworkMode = .none, autoRemove: Bool = false, labels: [String: String] = [:],
                cgroupParent: String? = nil, ports: [PortMapping] = []) {
        self.image = image; self.name = name; self.command = command; self.entrypoint = entrypoint
        self.env = env; self.workingDir = workingDir; self.user = user; self.hostname = hostname
        self.limits = limits; self.restartPolicy = restartPolicy; self.network = network
        self.autoRemove = autoRemove; self.labels = labels; self.cgroupParent = cgroupParent; self.ports = ports
    }
}
