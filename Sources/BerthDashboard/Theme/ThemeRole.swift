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

/// Colour ramps for graphs and bars: low, middle and high use.
public enum ThemeGradient: String, CaseIterable, Sendable {
    case cpu
    case memory
}
