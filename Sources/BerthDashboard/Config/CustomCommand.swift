import Yams

/// A command of the user's own under a key, as k9s plugins: `commands:` in config.yaml.
///
///     commands:
///       - key: ctrl-t
///         name: sockets
///         command: berth exec "$NAME" netstat -tln   # run by /bin/sh -c
///         confirm: false        # ask first (default false)
///         background: false     # true: no terminal; the exit status and last line go to the status bar
///         scope: container      # container (needs a selection; the default) or global
///
/// The selection reaches the command as environment variables (`NAME`, `ID`, `IMAGE`, `PID`,
/// `SERVICE`, and `BERTH_ROOT`), never pasted into the command text: a hostile container name
/// cannot inject shell syntax, because the shell only ever expands a variable holding it.
public struct CustomCommand: Sendable, Equatable {
    public enum Scope: String, Sendable { case container, global }
    public var key: Key
    public var name: String
    public var command: String
    public var scope: Scope = .container
    public var confirm = false
    public var background = false

    public init(key: Key, name: String, command: String, scope: Scope = .container, confirm: Bool = false, background: Bool = false) {
        self.key = key; self.name = name; self.command = command; self.scope = scope; self.confirm = confirm; self.background = background
    }

    /// `commands:`: each entry that is valid, and a problem (with its line) for each that is not.
    /// An entry whose key a standard action or an earlier command already uses is refused.
    static func parseList(_ node: Node, keys: KeyTable, file: String) -> ([CustomCommand], [ConfigError]) {
        guard let items = node.sequence else {
            return ([], [ConfigError(file: file, line: node.mark?.line, reason: "commands must be a list of {key, name, command}")])
        }
        var commands: [CustomCommand] = []
        var problems: [ConfigError] = []
        for item in items {
            do {
                let c = try parse(item, file: file)
                let line = item.mark?.line
                if let taken = keys.action(for: c.key, scope: .containers) {
                    problems.append(ConfigError(file: file, line: line, reason: "command '\(c.name)': key '\(c.key.label(unicode: false))' is already \(taken.rawValue)"))
                } else if let other = commands.first(where: { $0.key == c.key }) {
                    problems.append(ConfigError(file: file, line: line, reason: "command '\(c.name)': key '\(c.key.label(unicode: false))' is already command '\(other.name)'"))
                } else {
                    commands.append(c)
                }
            } catch let e as ConfigError {
                problems.append(e)
            } catch {
                problems.append(ConfigError(file: file, line: item.mark?.line, reason: "\(error)"))
            }
        }
        return (commands, problems)
    }

    static func parse(_ node: Node, file: String) throws -> CustomCommand {
        var key: Key?, name: String?, command: String?
        var scope = Scope.container, confirm = false, background = false
        let line = node.mark?.line
        for (k, value, l) in try YAMLNodes.mapping(node, file: file, what: "a command") {
            func text() throws -> String {
                guard let s = value.scalar?.string, !s.isEmpty else { throw ConfigError(file: file, line: l, reason: "\(k) must be text") }
                return s
            }
            func flag() throws -> Bool {
                guard let b = value.bool else { throw ConfigError(file: file, line: l, reason: "\(k) must be true or false") }
                return b
            }
            switch k {
            case "key":
                let s = try text()
                guard let parsed = Key(name: s) else {
                    throw ConfigError(file: file, line: l, reason: "'\(s)' is not a key name (e.g. T, ctrl-t, f5)")
                }
                key = parsed
            case "name": name = try text()
            case "command": command = try text()
            case "scope":
                guard let s = Scope(rawValue: try text()) else { throw ConfigError(file: file, line: l, reason: "scope must be container or global") }
                scope = s
            case "confirm": confirm = try flag()
            case "background": background = try flag()
            default:
                throw ConfigError(file: file, line: l, reason: "unknown field '\(k)' in a command (expected key, name, command, scope, confirm, background)")
            }
        }
        guard let key, let command else { throw ConfigError(file: file, line: line, reason: "a command needs key and command") }
        return CustomCommand(key: key, name: name ?? String(command.prefix(20)), command: command, scope: scope,
                             confirm: confirm, background: background)
    }
}

/// A custom command ready to run: its text and the variables that say what it acts on.
public struct CustomCommandRun: Equatable, Sendable {
    public var name: String
    public var command: String
    public var environment: [String: String]
    public var background: Bool
}
