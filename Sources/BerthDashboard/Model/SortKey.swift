/// Columns the containers pane can sort by; `o` cycles in this order.
public enum SortKey: String, CaseIterable, Sendable {
    case name, state, cpu, memory = "mem", pids, net, io, restarts, uptime, image

    /// Default direction: numbers biggest first, text A→Z.
    var descendingByDefault: Bool {
        switch self {
        case .name, .state, .image: return false
        default: return true
        }
    }

    public static func parse(_ s: String) -> SortKey? {
        let l = s.lowercased()
        if l == "memory" { return .memory }
        return SortKey(rawValue: l)
    }
}
