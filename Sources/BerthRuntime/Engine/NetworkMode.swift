/// docker's `--network`: which network namespace a container gets.
public enum NetworkMode: String, Codable, Sendable, CaseIterable {
    /// A new network namespace with only loopback.
    case none
    /// The host's network namespace.
    case host
    /// A veth pair on Berth's bridge.
    case bridge
}
