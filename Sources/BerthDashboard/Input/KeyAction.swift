/// Everything a key can do. Raw values are the names used in `config.yaml` under `keys:`.
public enum KeyAction: String, CaseIterable, Sendable {
    case quit, help, command
    case nextPane = "next-pane", previousPane = "previous-pane"
    case focusContainers = "focus-containers", focusDetail = "focus-detail", focusLogs = "focus-logs"
    case up, down, pageUp = "page-up", pageDown = "page-down", top, bottom
    case startStop = "start-stop", restart, kill, remove, pause
    case mark, markAll = "mark-all"
    case scaleUp = "scale-up", scaleDown = "scale-down", exec
    case openLogs = "logs"
    case filter, sort, sortReverse = "sort-reverse", toggleAll = "toggle-all"
    case cycleTheme = "theme", graphStyle = "graph-style"
    case search, searchNext = "search-next", searchPrevious = "search-previous"
    case follow, timestamps, wrap, stream, fullscreen
    case showEvents = "events", eventsFilter = "events-filter"
    case toggleGroup = "toggle-group"

    /// The global actions that also work in the events view: moving, switching views, theme,
    /// command line, help, quit. The rest act on a container selection that view does not show.
    var worksInEventsView: Bool {
        switch self {
        case .up, .down, .pageUp, .pageDown, .top, .bottom, .focusContainers, .focusDetail, .focusLogs, .showEvents,
             .cycleTheme, .command, .help, .quit: return true
        default: return false
        }
    }
}

/// Where a binding applies. Containers bindings also work in the detail pane, which shows the
/// same selection.
public enum KeyScope: String, CaseIterable, Sendable {
    case global, containers, logs, events

    var title: String {
        switch self {
        case .global: return "Everywhere"
        case .containers: return "Containers and detail"
        case .logs: return "Logs"
        case .events: return "Events view"
        }
    }
}
