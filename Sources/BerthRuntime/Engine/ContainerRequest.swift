import BerthOS
import Foundation

/// What `berth run`/`create` asks for, in docker's terms. Options the user left out are nil
/// and fall back to the image's defaults.
///
/// A service's template is a stored `ContainerRequest` without a name (`ServiceSpec.template`,
/// `services/NAME.json`); keys missing from a stored one take the defaults below, so the service
/// files of older versions (which had no `autoRemove`, `ports`, `tty` or `interactive`) still load.
public struct ContainerRequest: Codable, Sendable, Equatable {
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
    /// `--network NAME` with `network` = `.bridge`: the network of eth0; nil = the default bridge.
    public var networkName: String?
    /// `--network container:NAME` (`network` = `.container`): the container whose network
    /// namespace this one joins, as the user named it; resolved to an id at create.
    public var networkContainer: String?
    /// `--ip`: eth0's address on that network; nil = the lowest free one.
    public var ipAddress: String?
    /// `--ip6`: eth0's IPv6 address on an IPv6 network; nil = the lowest free one.
    public var ipv6Address: String?
    /// `--network-alias`: more names the container answers to on that network.
    public var networkAliases: [String] = []
    /// More networks from the start (eth1…): a compose service's second and later `networks:`.
    public var extraNetworks: [NetworkChoice] = []
    public var autoRemove: Bool
    public var labels: [String: String]
    public var cgroupParent: String?
    public var ports: [PortMapping] = []
    /// `-P`: publish every exposed port (the image's `ExposedPorts` and `exposedPorts`) on an
    /// ephemeral port of every host address.
    public var publishAll = false
    /// `--expose`: container ports `-P` publishes besides the image's, as docker writes them
    /// ("80", "90-91/tcp", "53/udp"), each checked by `PortMapping.exposed`.
    public var exposedPorts: [String] = []
    /// `-t`: the init's stdio is a terminal from the container's own devpts.
    public var tty = false
    /// `-i`: keep stdin open for attached clients.
    public var interactive = false
    /// `-v`, `--mount`, `--tmpfs`, in the order given.
    public var mounts: [MountRequest] = []
    /// `--read-only`: the root filesystem is mounted read-only (mounts, /dev, /proc stay writable).
    public var readOnlyRoot = false
    /// `--shm-size` in bytes; nil = docker's 64 MiB.
    public var shmSize: Int64?
    /// `--volumes-from CONTAINER[:ro|rw]`: that container's volumes and binds, at the same targets.
    public var volumesFrom: [String] = []
    /// Privileges, rlimits, devices, sysctls, name resolution, stop behaviour, `--init`.
    public var options = RunOptions()
    /// `berth build`: the image a RUN step's container is made from, instead of `image` looked up
    /// in the store (its layers are the build's, not yet any image's). Never stored.
    var buildImage: ImageRecord?

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

    private enum CodingKeys: String, CodingKey {
        case image, name, command, entrypoint, env, workingDir, user, hostname, limits, restartPolicy, network
        case networkName, networkContainer, ipAddress, ipv6Address, networkAliases, extraNetworks
        case autoRemove, labels, cgroupParent, ports, publishAll, exposedPorts, tty, interactive, mounts, readOnlyRoot, shmSize, volumesFrom, options
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(image: try c.decode(String.self, forKey: .image))
        name = try c.decodeIfPresent(String.self, forKey: .name)
        command = try c.decodeIfPresent([String].self, forKey: .command) ?? []
        entrypoint = try c.decodeIfPresent([String].self, forKey: .entrypoint)
        env = try c.decodeIfPresent([String].self, forKey: .env) ?? []
        workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        limits = try c.decodeIfPresent(ResourceLimits.self, forKey: .limits) ?? ResourceLimits()
        restartPolicy = try c.decodeIfPresent(RestartPolicy.self, forKey: .restartPolicy) ?? .no
        network = try c.decodeIfPresent(NetworkMode.self, forKey: .network) ?? .none
        networkName = try c.decodeIfPresent(String.self, forKey: .networkName)
        networkContainer = try c.decodeIfPresent(String.self, forKey: .networkContainer)
        ipAddress = try c.decodeIfPresent(String.self, forKey: .ipAddress)
        ipv6Address = try c.decodeIfPresent(String.self, forKey: .ipv6Address)
        networkAliases = try c.decodeIfPresent([String].self, forKey: .networkAliases) ?? []
        extraNetworks = try c.decodeIfPresent([NetworkChoice].self, forKey: .extraNetworks) ?? []
        autoRemove = try c.decodeIfPresent(Bool.self, forKey: .autoRemove) ?? false
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        cgroupParent = try c.decodeIfPresent(String.self, forKey: .cgroupParent)
        ports = try c.decodeIfPresent([PortMapping].self, forKey: .ports) ?? []
        publishAll = try c.decodeIfPresent(Bool.self, forKey: .publishAll) ?? false
        // Templates stored before UDP was published hold bare TCP port numbers.
        if let numbers = try? c.decodeIfPresent([UInt16].self, forKey: .exposedPorts) {
            exposedPorts = numbers.map { "\($0)/tcp" }
        } else {
            exposedPorts = try c.decodeIfPresent([String].self, forKey: .exposedPorts) ?? []
        }
        tty = try c.decodeIfPresent(Bool.self, forKey: .tty) ?? false
        interactive = try c.decodeIfPresent(Bool.self, forKey: .interactive) ?? false
        mounts = try c.decodeIfPresent([MountRequest].self, forKey: .mounts) ?? []
        readOnlyRoot = try c.decodeIfPresent(Bool.self, forKey: .readOnlyRoot) ?? false
        shmSize = try c.decodeIfPresent(Int64.self, forKey: .shmSize)
        volumesFrom = try c.decodeIfPresent([String].self, forKey: .volumesFrom) ?? []
        options = try c.decodeIfPresent(RunOptions.self, forKey: .options) ?? RunOptions()
    }
}

extension ContainerRequest {
    /// The NAME of docker's `container:NAME|ID` (`--network`, compose's `network_mode`); nil for
    /// any other text. The name passes `ContainerName`'s rules before it is looked up, so `..`,
    /// `/` and control characters never reach the store.
    public static func networkContainer(_ text: String) throws(BerthError) -> String? {
        guard text.hasPrefix(NetworkMode.containerPrefix) || text == NetworkMode.container.rawValue else { return nil }
        let target = String(text.dropFirst(NetworkMode.containerPrefix.count))
        guard !target.isEmpty else {
            throw .invalidArgument("invalid network mode \(text.quoted): expected container:NAME or container:ID")
        }
        do { return try ContainerName.validate(target) } catch {
            throw .invalidArgument("invalid network mode \(text.quoted): \(error.description)")
        }
    }
}

/// One more network a container is created on, with its names and address there.
public struct NetworkChoice: Codable, Sendable, Equatable {
    public var name: String
    public var aliases: [String]
    /// nil = the lowest free address.
    public var ipAddress: String?

    public init(name: String, aliases: [String] = [], ipAddress: String? = nil) {
        self.name = name; self.aliases = aliases; self.ipAddress = ipAddress
    }
}
