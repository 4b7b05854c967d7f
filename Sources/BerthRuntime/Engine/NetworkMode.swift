/// docker's `--network`: which network namespace a container gets.
public enum NetworkMode: String, Codable, Sendable, CaseIterable {
    /// A new network namespace with only loopback.
    case none
    /// The host's network namespace.
    case host
    /// A veth pair on each of the container's networks (`ContainerRecord.attachments`): the
    /// default bridge or user-defined ones.
    case bridge
}
