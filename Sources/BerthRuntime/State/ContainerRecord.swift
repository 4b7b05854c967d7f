import Foundation

/// What Berth decided when the container was created; written once by the library
/// (`container.json`), never by the shim. Its runtime state lives in `status` (ShimStatus).
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The image reference the user gave, and the id it resolved to.
    public var image: String
    public var imageID: String
    public var created: Date
    public var command: [String]
    public var env: [String]
    public var workingDir: String
    public var user: String?
    public var hostname: String
    public var limits: ResourceLimits
    public var restartPolicy: RestartPolicy
    public var labels: [String: String]
    public var network: NetworkMode
    public var ipAddress: String?
    /// Published TCP ports (bridge network only); optional so records of older versions decode.
    public var ports: [PortMapping]?
    public var tty: Bool?
    public var interactive: Bool?
    public var autoRemove: Bool
    /// `--cgroup-parent` as given; nil = Berth's default under the caller's cgroup.
    public var cgroupParent: String?
    /// Read-only layer directories, lowest first.
    public var layers: [String]
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
    /// Present while the user wants the container stopped: the shim does not restart it.
    public var stopMarker: String { directory + "/stop" }
    public var lock: String { directory + "/lock" }
    /// "PID STARTTIME" of a `berth run --rm` that waits in the foreground and removes the container itself.
    public var attached: String { directory + "/attached" }
    /// "PID STARTTIME" of the process building the container in `.creating-<id>`.
    public var creator: String { directory + "/creator" }
}
