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
    case follow, timestamps, wrap, stream, fullscreen, copyLine = "copy-line"
    case showEvents = "events", eventsFilter = "events-filter"
    case toggleGroup = "toggle-group"
    case showImages = "images", showVolumes = "volumes", showNetworks = "networks"
    case removeImage = "image-remove", pruneImages = "image-prune"
    case removeVolume = "volume-remove", pruneVolumes = "volume-prune"
    case removeNetwork = "network-remove"
    case inspect, inspectSearch = "inspect-search", inspectNext = "inspect-next", inspectPrevious = "inspect-previous"
    case processes, terminateProcess = "process-terminate", killProcess = "process-kill"
    case editLimits = "limits"

    /// The global actions that also work in the views without a container selection (events,
    /// images, volumes, networks): moving, switching views, theme, command line, help, quit. The
    /// rest act on a container selection those views do not show.
    var worksInListViews: Bool {
        switch self {
        case .up, .down, .pageUp, .pageDown, .top, .bottom, .focusContainers, .focusDetail, .focusLogs, .showEvents,
             .showImages, .showVolumes, .showNetworks, .cycleTheme, .command, .help, .quit: return true
        default: return false
        }
    }
}

/// Where a binding applies. Containers bindings also work in the detail pane, which shows the
/// same selection.
public enum KeyScope: String, CaseIterable, Sendable {
    case global, containers, logs, events, images, volumes, networks, inspect, processes

    /// The views with a key table of their own instead of the containers' and logs' keys.
    var isListView: Bool { [.events, .images, .volumes, .networks, .inspect, .processes].contains(self) }

    var title: String {
        switch self {
        case .global: return "Everywhere"
        case .containers: return "Containers and detail"
        case .logs: return "Logs"
        case .events: return "Events view"
        case .images: return "Images view"
        case .volumes: return "Volumes view"
        case .networks: return "Networks view"
        case .inspect: return "Inspect view"
        case .processes: return "Processes view"
        }
    }
}
