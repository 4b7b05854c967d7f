/// A theme resolved for one terminal: the exact cell style of every role and gradient step.
/// Built once per theme or mode change so drawing a frame never converts colours.
public struct Palette: Sendable {
    public let mode: ColorMode
    private let styles: [ThemeRole: CellStyle]
    private let gradients: [ThemeGradient: [TermColor]]

    public init(theme: Theme, mode: ColorMode) {
        self.mode = mode
        var styles: [ThemeRole: CellStyle] = [:]
        var gradients: [ThemeGradient: [TermColor]] = [:]
        // What a role without a background of its own is drawn over.
        let screen = mode.resolve(theme.style(.background).background ?? .terminalDefault)
        for role in ThemeRole.allCases {
            if mode == .mono {
                styles[role] = CellStyle(attributes: Palette.monoAttributes(role))
            } else {
                let s = theme.style(role)
                var style = CellStyle(foreground: mode.resolve(s.foreground ?? .terminalDefault),
                                      background: mode.resolve(s.background ?? .terminalDefault),
                                      attributes: s.attributes)
                if mode.isANSI, let meaning = role.ansiMeaning(colors: mode == .color8 ? 8 : 16) {
                    style.foreground = .indexed(meaning)
                }
                // With 8 or 16 colours, a dark grey border and a dark background can become the
                // same colour: such a foreground turns to the opposite of its background.
                let under = style.background == .terminalDefault ? screen : style.background
                if mode.isANSI, style.foreground != .terminalDefault, style.foreground == under {
                    style.foreground = Palette.contrasting(under)
                }
                styles[role] = style
            }
        }
        for g in ThemeGradient.allCases {
            gradients[g] = mode == .mono ? [] : theme.gradient(g).map { mode.resolve($0) }
        }
        self.styles = styles
        self.gradients = gradients
    }

    public func style(_ role: ThemeRole) -> CellStyle { styles[role] ?? .plain }

    /// The style for a value between 0 and 1 on a gradient, drawn over `base`'s background.
    public func gradientStyle(_ g: ThemeGradient, fraction: Double, over base: ThemeRole = .text) -> CellStyle {
        var s = style(base)
        guard let colours = gradients[g], !colours.isEmpty else { return s }
        let f = min(1, max(0, fraction.isFinite ? fraction : 0))
        let i = min(colours.count - 1, Int(f * Double(colours.count)))
        s.foreground = colours[i]
        return s
    }

    /// White on the dark ANSI colours (black, red, blue, magenta, grey), black on the others.
    static func contrasting(_ c: TermColor) -> TermColor {
        guard case .indexed(let i) = c else { return .terminalDefault }
        return [0, 1, 4, 5, 8].contains(i) ? .indexed(7) : .indexed(0)
    }

    /// Without colour, roles are told apart by attributes alone.
    static func monoAttributes(_ role: ThemeRole) -> TextAttributes {
        switch role {
        case .selection, .statusBar, .searchMatch: return .reverse
        case .header, .title, .borderFocused, .groupHeader, .keyHint, .error, .logStderr, .dead: return .bold
        case .columnHeader, .input: return .underline
        case .muted, .exited, .logTimestamp, .border: return .dim
        default: return []
        }
    }
}
