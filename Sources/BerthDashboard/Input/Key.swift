/// A key press, independent of the terminal backend.
public enum Key: Hashable, Sendable {
    case char(Character)
    /// Ctrl plus a lowercase letter.
    case ctrl(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, tab, backTab, escape, backspace, delete
    case function(Int)

    /// Parses the names used in the config file and shown in help: `j`, `ctrl-c`, `up`, `pgup`,
    /// `enter`, `tab`, `shift-tab`, `esc`, `space`, `f1`.
    public init?(name raw: String) {
        let name = raw.count == 1 ? raw : raw.lowercased()
        if name.count == 1, let c = name.first { self = .char(c); return }
        if name.hasPrefix("ctrl-") || name.hasPrefix("c-") || name.hasPrefix("^") {
            let rest = name.drop { $0 != "-" && $0 != "^" }.dropFirst()
            guard rest.count == 1, let c = rest.first, c.isLetter else { return nil }
            self = .ctrl(c); return
        }
        if name.hasPrefix("f"), let n = Int(name.dropFirst()), (1...12).contains(n) { self = .function(n); return }
        switch name {
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pgdown", "pagedown": self = .pageDown
        case "home": self = .home
        case "end": self = .end
        case "enter", "return": self = .enter
        case "tab": self = .tab
        case "shift-tab", "backtab", "s-tab": self = .backTab
        case "esc", "escape": self = .escape
        case "backspace", "bs": self = .backspace
        case "delete", "del": self = .delete
        case "space": self = .char(" ")
        default: return nil
        }
    }

    /// The name as help and the status bar show it; `unicode` picks arrows over words.
    public func label(unicode: Bool = true) -> String {
        switch self {
        case .char(" "): return "space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "^" + String(c).uppercased()
        case .up: return unicode ? "↑" : "up"
        case .down: return unicode ? "↓" : "down"
        case .left: return unicode ? "←" : "left"
        case .right: return unicode ? "→" : "right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .escape: return "Esc"
        case .backspace: return "BS"
        case .delete: return "Del"
        case .function(let n): return "F\(n)"
        }
    }
}

/// A mouse event in screen cells.
public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case click, wheelUp, wheelDown }
    public var kind: Kind
    public var row: Int
    public var column: Int
    public init(kind: Kind, row: Int, column: Int) { self.kind = kind; self.row = row; self.column = column }
}
