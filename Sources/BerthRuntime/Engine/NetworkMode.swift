/// docker's `--network`: which network namespace a container gets.
public enum NetworkMode: String, Codable, Sendable, CaseIterable {
    /// A new network namespace with only loopback.
    case none
    /// The host's network namespace.
    case host
    /// A veth pair on each of the container's networks (`ContainerRecord.attachments`): the
    /// default bridge or user-defined ones.
    case bridge
    /// `--network container:NAME`: the network namespace of another container's init, joined at
    /// each start (`ContainerRecord.networkContainer` names it); no interface of its own.
    case container

    /// Whether the container's network namespace has interfaces whose traffic is the container's:
    /// not `none` (loopback only) nor `host` (the host's own counters).
    public var hasInterfaces: Bool { self == .bridge || self == .container }

    /// The prefix of docker's `container:NAME|ID`.
    public static let containerPrefix = "container:"

    /// A mode a user names by its word alone (`--network`, compose's `network_mode`, `build
    /// --network`): `container` needs its target (`containerPrefix`), so the word alone is none.
    public static func named(_ text: String) -> NetworkMode? {
        text == NetworkMode.container.rawValue ? nil : NetworkMode(rawValue: text)
    }
}
