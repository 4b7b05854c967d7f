import BerthOS

/// `berth events --filter KEY=VALUE`, docker's rules: values of one key are alternatives (any
/// may match), different keys must all match. Keys: `container` (name, full id or id prefix),
/// `event` (action; `health_status` alone matches every `health_status: …`, as docker's), `label` (`KEY` or `KEY=VALUE`), `type`.
public struct EventFilter: Sendable, Equatable {
    public static let keys = ["container", "event", "label", "type"]
    private var values: [String: [String]] = [:]

    public init() {}

    /// Parses each `KEY=VALUE`; an unknown key or a missing `=` is an argument error.
    public init(_ specs: [String]) throws(BerthError) {
        values = try FilterSpecs.parse(specs, keys: Self.keys, by: "events filter")
    }

    public func matches(_ e: Event) -> Bool {
        for (key, wanted) in values {
            let ok: Bool
            switch key {
            case "container": ok = wanted.contains { !$0.isEmpty && ($0 == e.name || e.id.hasPrefix($0)) }
            case "event":
                ok = wanted.contains { $0 == e.action || ($0 == "health_status" && e.action.hasPrefix("health_status: ")) }
            case "type": ok = wanted.contains(e.type)
            case "label":
                ok = wanted.contains { FilterSpecs.label($0, in: e.attributes) }
            default: ok = false
            }
            if !ok { return false }
        }
        return true
    }
}
