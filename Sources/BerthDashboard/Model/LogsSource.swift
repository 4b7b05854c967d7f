/// What the logs pane follows, as the key `Effect.followLogs` and `LogsState.containerID` carry:
/// a container id (64 hex digits), or `service:NAME` for the merged logs of a service's replicas
/// (no container id has a colon, so the two never meet).
public enum LogsSource {
    static let servicePrefix = "service:"

    public static func serviceKey(_ name: String) -> String { servicePrefix + name }

    /// The service a key names, nil for a container id.
    public static func service(of key: String) -> String? {
        key.hasPrefix(servicePrefix) ? String(key.dropFirst(servicePrefix.count)) : nil
    }
}
