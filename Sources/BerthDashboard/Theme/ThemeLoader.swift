import Foundation
import Yams

/// Reads theme files. The format (documented in docs/dashboard.md):
///
///     name: nord
///     palette:                  # optional: names for colours used below
///       frost: "#88c0d0"
///     roles:                    # keys are `ThemeRole` raw values
///       text: "#d8dee9"         # a colour alone sets the foreground
///       selection: { fg: "#2e3440", bg: frost, bold: true }
///     gradients:                # low → high, for graphs and bars
///       cpu: ["#a3be8c", "#ebcb8b", "#bf616a"]
public enum ThemeLoader {
    static let attributeKeys: [String: TextAttributes] = [
        "bold": .bold, "dim": .dim, "underline": .underline, "reverse": .reverse, "italic": .italic,
    ]

    public static func parse(_ text: String, file: String) throws -> Theme {
        let root = try YAMLNodes.root(text, file: file)
        var name: String?
        var palette: [String: ThemeColor] = [:]
        var rolesNode: Node?
        var gradientsNode: Node?
        for (key, value, line) in try YAMLNodes.mapping(root, file: file, what: "a theme") {
            switch key {
            case "name":
                guard let s = value.scalar?.string, !s.isEmpty else {
                    throw ConfigError(file: file, line: line, reason: "name must be text")
                }
                name = s
            case "description", "author": break
            case "palette":
                for (pname, pvalue, pline) in try YAMLNodes.mapping(value, file: file, what: "palette") {
                    guard let c = pvalue.scalar.flatMap({ ThemeColor(parsing: $0.string) }) else {
                        throw ConfigError(file: file, line: pvalue.mark?.line ?? pline,
                                          reason: "palette colour '\(pname)' is not a colour (use #rrggbb, 0-255, an ANSI name or default)")
                    }
                    palette[pname] = c
                }
            case "roles": rolesNode = value
            case "gradients": gradientsNode = value
            default:
                throw ConfigError(file: file, line: line, reason: "unknown key '\(key)' (expected name, palette, roles, gradients)")
            }
        }
        func colour(_ node: Node, what: String) throws -> ThemeColor {
            guard let s = node.scalar?.string else {
                throw ConfigError(file: file, line: node.mark?.line, reason: "\(what) must be a colour")
            }
            if let c = palette[s] ?? ThemeColor(parsing: s) { return c }
            throw ConfigError(file: file, line: node.mark?.line,
                              reason: "\(what): '\(s)' is not a colour (use #rrggbb, 0-255, an ANSI name, default or a palette name)")
        }
        var roles: [ThemeRole: RoleStyle] = [:]
        if let rolesNode {
            for (key, value, line) in try YAMLNodes.mapping(rolesNode, file: file, what: "roles") {
                guard let role = ThemeRole(rawValue: key) else {
                    throw ConfigError(file: file, line: line, reason: "unknown role '\(key)' (known roles: \(ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                if value.scalar != nil {
                    roles[role] = RoleStyle(foreground: try colour(value, what: "role \(key)"))
                    continue
                }
                var style = RoleStyle()
                for (attr, v, aline) in try YAMLNodes.mapping(value, file: file, what: "role \(key)") {
                    switch attr {
                    case "fg": style.foreground = try colour(v, what: "\(key).fg")
                    case "bg": style.background = try colour(v, what: "\(key).bg")
                    default:
                        guard let a = attributeKeys[attr] else {
                            throw ConfigError(file: file, line: aline, reason: "unknown setting '\(attr)' in role \(key) (expected fg, bg, bold, dim, underline, reverse, italic)")
                        }
                        guard let on = v.bool else {
                            throw ConfigError(file: file, line: v.mark?.line ?? aline, reason: "\(key).\(attr) must be true or false")
                        }
                        if on { style.attributes.insert(a) }
                    }
                }
                roles[role] = style
            }
        }
        var gradients: [ThemeGradient: [ThemeColor]] = [:]
        if let gradientsNode {
            for (key, value, line) in try YAMLNodes.mapping(gradientsNode, file: file, what: "gradients") {
                guard let g = ThemeGradient(rawValue: key) else {
                    throw ConfigError(file: file, line: line, reason: "unknown gradient '\(key)' (expected cpu, memory)")
                }
                guard let seq = value.sequence, !seq.isEmpty else {
                    throw ConfigError(file: file, line: value.mark?.line ?? line, reason: "gradient \(key) must be a list of colours, low to high")
                }
                gradients[g] = try seq.map { try colour($0, what: "gradient \(key)") }
            }
        }
        guard let name else { throw ConfigError(file: file, line: nil, reason: "the theme has no name") }
        guard roles[.text] != nil || roles[.background] != nil else {
            throw ConfigError(file: file, line: nil, reason: "the theme sets neither 'text' nor 'background'")
        }
        return Theme(name: name, roles: roles, gradients: gradients, source: file)
    }

    public static func load(path: String) throws -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, reason: "the file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }
}
