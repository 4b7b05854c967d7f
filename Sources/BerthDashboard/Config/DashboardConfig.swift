import Foundation
import Yams

/// `~/.config/berth/config.yaml`:
///
///     theme: nord
///     interval: 2          # seconds between samples
///     graph: block         # braille | block | ascii
///     all: false           # show exited containers
///     keys:                # action: key or [keys]; see docs/dashboard.md for the names
///       kill: ["K", "ctrl-k"]
///       up: [k, up]
public struct DashboardConfig: Sendable, Equatable {
    public var theme: String?
    public var interval: Double?
    public var graph: GraphStyle?
    public var showAll: Bool?
    public var keys: KeyTable = .standard

    public init() {}

    /// The default location, honouring `XDG_CONFIG_HOME`.
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/berth" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/berth"
    }

    public static func parse(_ text: String, file: String) throws -> DashboardConfig {
        var config = DashboardConfig()
        let root = try YAMLNodes.root(text, file: file)
        if root.scalar?.string == "" || root.null != nil { return config }
        for (key, value, line) in try YAMLNodes.mapping(root, file: file, what: "the config") {
            switch key {
            case "theme":
                guard let s = value.scalar?.string, !s.isEmpty else {
                    throw ConfigError(file: file, line: line, reason: "theme must be a theme name")
                }
                config.theme = s
            case "interval":
                guard let v = value.float, v >= 0.1, v <= 3600 else {
                    throw ConfigError(file: file, line: line, reason: "interval must be a number of seconds between 0.1 and 3600")
                }
                config.interval = v
            case "graph":
                guard let g = value.scalar.flatMap({ GraphStyle(rawValue: $0.string) }) else {
                    throw ConfigError(file: file, line: line, reason: "graph must be braille, block or ascii")
                }
                config.graph = g
            case "all":
                guard let b = value.bool else { throw ConfigError(file: file, line: line, reason: "all must be true or false") }
                config.showAll = b
            case "keys":
                config.keys = try parseKeys(value, file: file)
            default:
                throw ConfigError(file: file, line: line, reason: "unknown setting '\(key)' (expected theme, interval, graph, all, keys)")
            }
        }
        return config
    }

    /// Applies `keys:` to the standard table and rejects the result if two actions now share a key
    /// in the same place, naming the line of the remap that caused it.
    static func parseKeys(_ node: Node, file: String) throws -> KeyTable {
        var table = KeyTable.standard
        var lines: [KeyAction: Int] = [:]
        for (name, value, line) in try YAMLNodes.mapping(node, file: file, what: "keys") {
            guard let action = KeyAction(rawValue: name) else {
                throw ConfigError(file: file, line: line, reason: "unknown action '\(name)' (actions: \(KeyAction.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let names = try YAMLNodes.strings(value, file: file, what: "keys for \(name)")
            var keys: [Key] = []
            for n in names {
                guard let k = Key(name: n) else {
                    throw ConfigError(file: file, line: value.mark?.line ?? line, reason: "'\(n)' is not a key name (e.g. j, ctrl-c, up, pgdn, enter, tab, esc, space, f1)")
                }
                keys.append(k)
            }
            table = table.rebinding(action, to: keys)
            lines[action] = line
        }
        if let clash = table.clashes().first {
            let line = lines[clash.first] ?? lines[clash.second]
            throw ConfigError(file: file, line: line,
                              reason: "key '\(clash.key.label(unicode: false))' is bound to both \(clash.first.rawValue) and \(clash.second.rawValue)")
        }
        return table
    }

    /// Reads the config; a missing file is the default config, a bad one an error.
    public static func load(path: String) throws -> DashboardConfig {
        guard FileManager.default.fileExists(atPath: path) else { return DashboardConfig() }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, reason: "cannot read the file as UTF-8 text")
        }
        return try parse(text, file: path)
    }
}
