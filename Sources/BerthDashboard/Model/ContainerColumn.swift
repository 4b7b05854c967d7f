/// A column of the containers table; the raw values are the names `columns:` in config.yaml uses.
public enum ContainerColumn: String, CaseIterable, Sendable {
    /// Over several hosts only (`berth top --context a --context b`), where it is always shown.
    case state, host, name, image, cpu, spark = "cpu-graph", memory = "mem", memoryBar = "mem-bar", pids, net, io, restarts, uptime = "up"

    var title: String {
        switch self {
        case .state, .spark, .memoryBar: return ""
        case .host: return "HOST"
        case .name: return "NAME"
        case .image: return "IMAGE"
        case .cpu: return "CPU"
        case .memory: return "MEM"
        case .pids: return "PIDS"
        case .net: return "NET rx/tx"
        case .io: return "IO r/w"
        case .restarts: return "RST"
        case .uptime: return "UP/EXIT"
        }
    }

    var width: Int {
        switch self {
        case .state: return 1
        case .name, .image, .host: return 12
        case .cpu: return 6
        case .spark: return 8
        case .memory: return 11
        case .memoryBar: return 6
        case .pids: return 4
        case .net, .io: return 11
        case .restarts: return 3
        case .uptime: return 10 // "restarting" whole
        }
    }

    var alignRight: Bool {
        switch self {
        case .cpu, .memory, .pids, .net, .io, .restarts: return true
        default: return false
        }
    }

    var sortKey: SortKey? {
        switch self {
        case .name: return .name
        case .image: return .image
        case .cpu: return .cpu
        case .memory: return .memory
        case .pids: return .pids
        case .net: return .net
        case .io: return .io
        case .restarts: return .restarts
        case .uptime: return .uptime
        case .state: return .state
        default: return nil
        }
    }
}
