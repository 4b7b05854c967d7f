/// How one role looks in a theme.
public struct RoleStyle: Hashable, Sendable {
    public var foreground: ThemeColor?
    public var background: ThemeColor?
    public var attributes: TextAttributes

    public init(foreground: ThemeColor? = nil, background: ThemeColor? = nil, attributes: TextAttributes = []) {
        self.foreground = foreground; self.background = background; self.attributes = attributes
    }
}

/// A named set of role styles and gradients, as loaded from a YAML file.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var roles: [ThemeRole: RoleStyle]
    public var gradients: [ThemeGradient: [ThemeColor]]
    /// Where it came from, for error messages and the header; nil for the built-in fallback.
    public var source: String?

    public init(name: String, roles: [ThemeRole: RoleStyle], gradients: [ThemeGradient: [ThemeColor]], source: String? = nil) {
        self.name = name; self.roles = roles; self.gradients = gradients; self.source = source
    }

    /// The role's style, falling back to `text`, then `background`, so a partial theme still draws.
    public func style(_ role: ThemeRole) -> RoleStyle {
        var s = roles[role] ?? RoleStyle()
        let text = roles[.text] ?? RoleStyle()
        let bg = roles[.background] ?? RoleStyle()
        if s.foreground == nil { s.foreground = text.foreground ?? bg.foreground }
        if s.background == nil { s.background = bg.background }
        return s
    }

    public func gradient(_ g: ThemeGradient) -> [ThemeColor] {
        if let colours = gradients[g], !colours.isEmpty { return colours }
        return [style(.running).foreground ?? .terminalDefault, style(.warning).foreground ?? .terminalDefault,
                style(.error).foreground ?? .terminalDefault]
    }
}
