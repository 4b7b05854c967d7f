import Yams

/// A problem in a theme or config file, pointing at the file and line so the user can fix it.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is not tied to a line (e.g. the file cannot be read).
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file; self.line = line; self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// Shared helpers to read Yams nodes with errors that carry the node's line.
enum YAMLNodes {
    /// Parses `text` into its root node, turning Yams' errors into a `ConfigError` with the line.
    static func root(_ text: String, file: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: file, line: nil, reason: "the file is empty")
            }
            return node
        } catch let e as ConfigError {
            throw e
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                throw ConfigError(file: file, line: mark.line, reason: "invalid YAML: \(problem)")
            default:
                throw ConfigError(file: file, line: nil, reason: "invalid YAML: \(e)")
            }
        }
    }

    static func mapping(_ node: Node, file: String, what: String) throws -> [(key: String, value: Node, line: Int?)] {
        guard let m = node.mapping else {
            throw ConfigError(file: file, line: node.mark?.line, reason: "\(what) must be a mapping of keys to values")
        }
        return try m.map { pair in
            guard let k = pair.key.string else {
                throw ConfigError(file: file, line: pair.key.mark?.line, reason: "keys in \(what) must be text")
            }
            return (k, pair.value, pair.key.mark?.line)
        }
    }

    /// A scalar or a list of scalars, as text.
    static func strings(_ node: Node, file: String, what: String) throws -> [String] {
        if let seq = node.sequence {
            return try seq.map { item in
                guard let s = item.scalar?.string else {
                    throw ConfigError(file: file, line: item.mark?.line, reason: "\(what) must be a list of text values")
                }
                return s
            }
        }
        guard let s = node.scalar?.string else {
            throw ConfigError(file: file, line: node.mark?.line, reason: "\(what) must be text or a list of text values")
        }
        return [s]
    }
}
