import BerthRuntime

/// How `scale`, `service`, `up`, `down` and `demo` report a change of replicas.
enum ScaleReport {
    /// One line: `web: 1 -> 3 (created web-2, web-3)`.
    static func describe(_ r: ScaleResult) -> String {
        var parts: [String] = []
        if !r.created.isEmpty { parts.append("created " + r.created.joined(separator: ", ")) }
        if !r.started.isEmpty { parts.append("started " + r.started.joined(separator: ", ")) }
        if !r.removed.isEmpty { parts.append("removed " + r.removed.joined(separator: ", ")) }
        let detail = parts.isEmpty ? "up to date" : parts.joined(separator: "; ")
        return "\(r.service): \(r.from) -> \(r.to) (\(detail))"
    }
}
