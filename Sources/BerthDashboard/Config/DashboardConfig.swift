import Foundation
import BerthRuntime
import Yams

/// `~/.config/berth/config.yaml`:
///
///     theme: nord
///     interval: 2          # seconds between samples
///     graph: block         # braille | block | ascii
///     all: false           # show exited containers
///     clipboard: off       # osc52 | off: may `y` set the clipboard through the terminal
///     columns: [name, cpu, cpu-graph, mem, pids, up]   # the containers table, in this order
///     keys:                # action: key or [keys]; see docs/dashboard.md for the names
///       kill: ["K", "ctrl-k"]
///       up: [k, up]
///     commands:            # keys of your own: see `CustomCommand`
///       - {key: ctrl-t, name: sockets, command: 'berth exec "$NAME" netstat -tln'}
public struct DashboardConfig: Sendable, Equatable {
    public var theme: String?
    public var interval: Double?
    public var graph: GraphStyle?
    public var showAll: Bool?
    /// nil: `Clipboard.defaultSetting` for the terminal.
    public var clipboard: Clipboard?
    public var keys: KeyTable = .standard
    public var commands: [CustomCommand] = []
    /// The containers table's columns, in order; nil: chosen by the terminal's width.
    public var columns: [ContainerColumn]?
    /// Settings that were wrong and so left at their defaults, each with its line: every one is
    /// reported, and the rest of the file still applies.
    public var problems: [ConfigError] = []

    public init() {}

    /// The default location, honouring `XDG_CONFIG_HOME`.
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        UserConfigDirectory.path(environment: environment)
    }

    /// The file's settings. Only a file that is not YAML or not a mapping throws; a wrong setting
    /// is skipped and recorded in `problems`, so one typo does not discard the rest.
    public static func parse(_ text: String, file: String) throws -> DashboardConfig {
        var config = DashboardConfig()
        let root = try YAMLNodes.root(text, file: file)
        if root.scalar?.string == "" || root.null != nil { return config }
        var commands: Node?
        for (key, value, line) in try YAMLNodes.mapping(root, file: file, what: "the config") {
            if key == "commands" { commands = value; continue }
            do {
                try config.apply(key, value, line: line, file: file)
            } catch let e as ConfigError {
                config.problems.append(e)
            }
        }
        // After `keys:`, wherever it stands in the file: a command's key must be free in that table.
        if let commands {
            let (list, problems) = CustomCommand.parseList(commands, keys: config.keys, file: file)
            config.commands = list
            config.problems += problems
        }
        return config
    }

    private mutating func apply(_ key: String, _ value: Node, line: Int?, file: String) throws {
        switch key {
        case "theme":
            guard let s = value.scalar?.string, !s.isEmpty else {
                throw ConfigError(file: file, line: line, reason: "theme must be a theme name")
            }
            theme = s
        case "interval":
            guard let v = value.float, v >= 0.1, v <= 3600 else {
                throw ConfigError(file: file, line: line, reason: "interval must be a number of seconds between 0.1 and 3600")
            }
            interval = v
        case "graph":
            guard let g = value.scalar.flatMap({ GraphStyle(rawValue: $0.string) }) else {
                throw ConfigError(file: file, line: line, reason: "graph must be braille, block or ascii")
            }
            graph = g
        case "clipboard":
            // YAML reads a bare `off` as false.
            let word = value.bool == false ? "off" : value.scalar?.string.lowercased() ?? ""
            guard let c = Clipboard(rawValue: word) else {
                throw ConfigError(file: file, line: line, reason: "clipboard must be osc52 or off")
            }
            clipboard = c
        case "all":
            guard let b = value.bool else { throw ConfigError(file: file, line: line, reason: "all must be true or false") }
            showAll = b
        case "columns":
            let names = try YAMLNodes.strings(value, file: file, what: "columns")
            var list: [ContainerColumn] = []
            for n in names {
                guard let c = ContainerColumn(rawValue: n.lowercased()) else {
                    throw ConfigError(file: file, line: line, reason: "unknown column '\(n)' (columns: \(ContainerColumn.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard !list.contains(c) else { throw ConfigError(file: file, line: line, reason: "column '\(n)' is listed twice") }
                list.append(c)
            }
            guard !list.isEmpty else { throw ConfigError(file: file, line: line, reason: "columns must list at least one column") }
            columns = list
        case "keys":
            let (table, problems) = try Self.parseKeys(value, file: file)
            keys = table
            self.problems += problems
        default:
            throw ConfigError(file: file, line: line, reason: "unknown setting '\(key)' (expected theme, interval, graph, all, clipboard, columns, keys, commands)")
        }
    }

    /// Applies `keys:` to the standard table. A remap naming an unknown action or key is skipped;
    /// when two actions end up sharing a key in the same place, both keep their standard keys.
    /// Each is a problem with the line of the remap that caused it.
    static func parseKeys(_ node: Node, file: String) throws -> (KeyTable, [ConfigError]) {
        var remaps: [(action: KeyAction, keys: [Key], line: Int?)] = []
        var problems: [ConfigError] = []
        for (name, value, line) in try YAMLNodes.mapping(node, file: file, what: "keys") {
            guard let action = KeyAction(rawValue: name) else {
                problems.append(ConfigError(file: file, line: line, reason: "unknown action '\(name)' (actions: \(KeyAction.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            do {
                let names = try YAMLNodes.strings(value, file: file, what: "keys for \(name)")
                let keys = try names.map { n -> Key in
                    guard let k = Key(name: n) else {
                        throw ConfigError(file: file, line: value.mark?.line ?? line, reason: "'\(n)' is not a key name (e.g. j, ctrl-c, up, pgdn, enter, tab, esc, space, f1)")
                    }
                    return k
                }
                remaps.append((action, keys, line))
            } catch let e as ConfigError {
                problems.append(e)
            }
        }
        var table = KeyTable.standard
        for r in remaps { table = table.rebinding(r.action, to: r.keys) }
        // Undo the remaps behind each clash until none is left (each round undoes at least one).
        while let clash = table.clashes().first {
            let line = remaps.last { $0.action == clash.first || $0.action == clash.second }?.line ?? nil
            problems.append(ConfigError(file: file, line: line,
                                        reason: "key '\(clash.key.label(unicode: false))' is bound to both \(clash.first.rawValue) and \(clash.second.rawValue); both keep their standard keys"))
            remaps.removeAll { $0.action == clash.first || $0.action == clash.second }
            table = KeyTable.standard
            for r in remaps { table = table.rebinding(r.action, to: r.keys) }
            if remaps.isEmpty { break }
        }
        return (table, problems)
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
