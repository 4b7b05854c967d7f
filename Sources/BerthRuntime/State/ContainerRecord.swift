import Foundation

/// Berth's own metadata about a container (`container.json`), written by the library at create and
/// rewritten whole (atomically) by `rename` and `update`, never by the shim. What the container runs with (command, environment, working directory, user ids,
/// hostname, terminal, limits) is in its OCI `config.json` alone, the one copy start reads; its
/// runtime state lives in `status` (ShimStatus).
///
/// Records written before config.json became the only copy also hold `command`, `env`, `workingDir`,
/// `user`, `hostname`, `limits` and `tty`: decoding ignores those keys, and their config.json
/// already holds the same values (it was always written at create), so no migration is needed.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The image reference the user gave, and the id it resolved to.
    public var image: String
    public var imageID: String
    public var created: Date
    public var restartPolicy: RestartPolicy
    public var labels: [String: String]
    public var network: NetworkMode
    /// The address on the first network (eth0's), as `inspect`'s top-level IPAddress shows it.
    public var ipAddress: String?
    /// Published TCP ports (bridge network only); optional so records of older versions decode.
    public var ports: [PortMapping]?
    /// `-i`: the supervisor keeps stdin open for attached clients.
    public var interactive: Bool?
    public var autoRemove: Bool
    /// `--cgroup-parent` as given; nil = Berth's default under the caller's cgroup.
    public var cgroupParent: String?
    /// Read-only layer directories, lowest first: the image layers this container keeps in use.
    public var layers: [String]
    /// The networks the container is on (`--network NAME`, `network connect`), eth0's first; nil
    /// in records of older versions, whose one network is the default bridge (`attachments`).
    public var networks: [NetworkAttachment]? = nil
    /// `--network container:NAME` (`network` = `.container`): the id of the container whose
    /// network namespace this one joins at each start.
    public var networkContainer: String? = nil

    /// The networks the container is on, for records of every version.
    public var attachments: [NetworkAttachment] {
        if let networks { return networks }
        guard network == .bridge, let ip = ipAddress else { return [] }
        return [NetworkAttachment(network: BridgeNetwork.defaultName, ipAddress: ip, interface: "eth0")]
    }
}

/// The files of one container in the state root.
public struct ContainerPaths: Sendable {
    public let directory: String

    public init(root: String, id: String) { directory = root + "/containers/" + id }

    /// The files of a container that is not (or no longer) at its place: `.creating-<id>`, `.removing-<id>`.
    public init(directory: String) { self.directory = directory }

    public var record: String { directory + "/container.json" }
    public var spec: String { directory + "/config.json" }
    public var status: String { directory + "/status" }
    public var plan: String { directory + "/plan" }
    public var log: String { directory + "/container.log" }
    public var rootfs: String { directory + "/rootfs" }
    public var upper: String { directory + "/upper" }
    public var work: String { directory + "/work" }
    public var hosts: String { directory + "/hosts" }
    public var hostname: String { directory + "/hostname" }
    public var resolvConf: String { directory + "/resolv.conf" }
    /// Left by `rm -f` before it kills a running container: its supervisor skips its on-exit
    /// command (the removal under way does that work). Removed by `start`.
    public var removingMarker: String { directory + "/removing" }
    /// Present while the user wants the container stopped: the shim does not restart it.
    public var stopMarker: String { directory + "/stop" }
    public var lock: String { directory + "/lock" }
    /// The name and attributes part of the container's event lines after a `rename` (`EventLine.actor`),
    /// read by its supervisor for each event it records.
    public var eventActor: String { directory + "/event-actor" }
    /// After `update --restart`: the policy the running supervisor applies at the next exit
    /// (`on-failure:3`), instead of its plan's.
    public var restartPolicy: String { directory + "/restart-policy" }
    /// Present while the container is paused (its cgroup frozen by `berth pause`).
    public var pausedMarker: String { directory + "/paused" }
    /// The supervisor's healthcheck record (`HealthState`), when the container has a healthcheck.
    public var health: String { directory + "/health" }
    /// Written by the supervisor when its DNS server fell back to binding 127.0.0.11:53 itself
    /// (no nf_tables NAT in the container's namespace): one line, shown by `inspect`.
    public var dnsNotice: String { directory + "/dns-notice" }
    /// "PID STARTTIME" of a `berth run --rm` that waits in the foreground and removes the container itself.
    public var attached: String { directory + "/attached" }
    /// "PID STARTTIME" of the process building the container in `.creating-<id>`.
    public var creator: String { directory + "/creator" }
}
