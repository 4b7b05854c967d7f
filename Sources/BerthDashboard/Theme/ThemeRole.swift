/// Every place the dashboard uses a colour. This enum is the single list that theme parsing,
/// validation and documentation follow: a theme key that is not a case here is an error.
public enum ThemeRole: String, CaseIterable, Sendable {
    case background
    case text
    case muted
    case header
    case headerValue = "header-value"
    case border
    case borderFocused = "border-focused"
    case title
    case columnHeader = "column-header"
    case selection
    case groupHeader = "group-header"
    case running
    case exited
    case created
    case restarting
    case dead
    case logStdout = "log-stdout"
    case logStderr = "log-stderr"
    case logTimestamp = "log-timestamp"
    case searchMatch = "search-match"
    case statusBar = "status-bar"
    case keyHint = "key-hint"
    case success
    case warning
    case error
    case dialog
    case input
}

extension ThemeRole {
    /// With only 8 or 16 colours, a theme's shades of the container states can fall on one ANSI
    /// colour (gruvbox's olive green and its yellow, its orange and its red). The states then use
    /// the ANSI colour of what they mean, which the user's terminal palette renders in its own
    /// shade: green running, yellow restarting, red dead, cyan created, grey exited.
    func ansiMeaning(colors: Int) -> UInt8? {
        switch self {
        case .running: return 2
        case .restarting: return 3
        case .dead: return 1
        case .created: return 6
        case .exited: return colors >= 16 ? 8 : 7
        default: return nil
        }
    }
}

/// Colour ramps for graphs and bars: low, middle and high use.
public enum ThemeGradient: String, CaseIterable, Sendable {
    case cpu
    case memory
}
