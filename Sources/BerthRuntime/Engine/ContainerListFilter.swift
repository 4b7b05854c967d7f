import BerthOS

/// `ps --filter KEY=VALUE`, docker's rules: values of one key are alternatives, different keys
/// must all match. Keys: `id` (prefix), `name` (substring, as docker's), `label` (`KEY` or
/// `KEY=VALUE`), `status` (created, restarting, running, paused, exited, dead), `ancestor`
/// (the image reference, with or without its tag), `network` (bridge, host, none, or a network's
/// name), `health` (starting, healthy, unhealthy, none: a running container's healthcheck; none =
/// it has none).
public struct ContainerListFilter: Sendable {
    public static let keys = ["id", "name", "label", "status", "ancestor", "network", "health"]
    public static let statuses = ["created", "restarting", "running", "paused", "exited", "dead"]
    public static let healths = ["starting", "healthy", "unhealthy", "none"]
    private var values: [String: [String]] = [:]

    public init(_ specs: [String]) throws(BerthError) {
        values = try FilterSpecs.parse(specs, keys: Self.keys, by: "ps filters") { key, value in
            if key == "status" && !Self.statuses.contains(value) {
                return "invalid filter 'status=\(value)': one of \(Self.statuses.joined(separator: ", "))"
            }
            if key == "health" && !Self.healths.contains(value) {
                return "invalid filter 'health=\(value)': one of \(Self.healths.joined(separator: ", "))"
            }
            return nil
        }
    }

    /// Whether a filter asks for containers `ps` hides without -a (a status other than running).
    public var needsAll: Bool { values["status"]?.contains { $0 != "running" && $0 != "paused" } ?? false }

    /// docker's word for the state: `paused` for a running container that is paused.
    public static func status(_ c: ContainerInfo) -> String {
        switch c.state.status {
        case .running: return c.state.paused ? "paused" : "running"
        case .restarting: return "restarting"
        case .created: return "created"
        case .exited: return "exited"
        case .dead, .broken: return "dead"
        }
    }

    public func matches(_ c: ContainerInfo) -> Bool {
        for (key, wanted) in values {
            let ok: Bool
            switch key {
            case "id": ok = wanted.contains { c.id.hasPrefix($0) }
            case "name": ok = wanted.contains { c.name.contains($0) }
            case "status": ok = wanted.contains(Self.status(c))
            case "network": ok = wanted.contains(c.network.rawValue) || c.networks.contains { wanted.contains($0.network) }
            case "health": ok = wanted.contains(c.state.health ?? "none")
            case "ancestor":
                ok = wanted.contains { w in
                    c.image == w || c.image == w + ":latest" || c.image.split(separator: ":").first.map(String.init) == w
                }
            case "label":
                ok = wanted.contains { FilterSpecs.label($0, in: c.labels) }
            default: ok = false
            }
            if !ok { return false }
        }
        return true
    }
}
