import BerthOS
import BerthRuntime
import Foundation

public enum Pane: Int, CaseIterable, Sendable {
    case containers, detail, logs

    var scope: KeyScope { self == .logs ? .logs : .containers }
}

/// What fills the screen under the header: the containers with their detail and logs, the event
/// journal, the images, volumes or networks, or one container's inspect document.
public enum DashboardView: String, CaseIterable, Sendable {
    case containers, events, images, volumes, networks, inspect, processes

    /// The view's own key table; nil for the containers view, whose panes have theirs.
    var scope: KeyScope? {
        switch self {
        case .containers: return nil
        case .events: return .events
        case .images: return .images
        case .volumes: return .volumes
        case .networks: return .networks
        case .inspect: return .inspect
        case .processes: return .processes
        }
    }

    /// The resources the view lists, for the views that list images, volumes or networks.
    var resourceKind: ResourceKind? {
        switch self {
        case .images: return .image
        case .volumes: return .volume
        case .networks: return .network
        default: return nil
        }
    }
}

public enum GraphStyle: String, CaseIterable, Sendable {
    case braille, block, ascii
}

/// A row of the containers pane: a service heading or a container.
public enum DisplayRow: Equatable, Sendable {
    case service(name: String, replicas: Int, running: Int)
    case container(id: String)
}

/// A confirmation the user must answer before a destructive action runs.
public struct PendingConfirmation: Equatable, Sendable {
    public var question: String
    /// One action, or one per marked container.
    public var actions: [EngineAction]
    /// Answered yes, the marks the actions came from are cleared (no it keeps them).
    public var clearsMarks = false
    /// A custom command to run instead of engine actions.
    public var custom: CustomCommandRun?
}

/// What the status bar says about the last thing that happened.
public struct StatusMessage: Equatable, Sendable {
    public enum Kind: Sendable { case info, success, error }
    public var text: String
    public var kind: Kind
    public init(_ text: String, _ kind: Kind = .info) { self.text = text; self.kind = kind }
}

/// What the keyboard is currently typing into.
public enum InputMode: Equatable, Sendable {
    case normal
    case filter(String)
    case command(String)
    /// Typing a search of the logs pane or the inspect view, and the way it will go.
    case logSearch(String, SearchDirection)
    case confirm(PendingConfirmation)
    case help(scroll: Int)
}

/// Which optional actions the host program wired in (`DashboardActions`; `berth top` and
/// `berth demo` wire both, an embedder or a test may leave them out).
public struct ActionAvailability: Equatable, Sendable {
    public var scale: Bool
    public var exec: Bool
    public init(scale: Bool = false, exec: Bool = false) { self.scale = scale; self.exec = exec }

    /// What the keys and commands say when the host program did not wire the action in.
    public static let scaleMissing = "this dashboard was started without scaling; run `berth top` to scale services"
    public static let execMissing = "this dashboard was started without exec; run `berth top` or `berth exec -it NAME sh`"
}

/// The whole dashboard state. A value: `update` turns (model, event) into (model, effects) and the
/// view draws a model, so both are tested without a terminal.
public struct DashboardModel: Sendable {
    // Data from the engine.
    public internal(set) var host: HostInfo?
    public internal(set) var hostCPUPercent: Double?
    public internal(set) var now: Date
    public internal(set) var entries: [String: ContainerEntry] = [:]
    /// Engine order (newest first), the tie-breaker for sorting.
    public internal(set) var order: [String] = []
    public internal(set) var rows: [DisplayRow] = []
    public internal(set) var sampleError: String?
    public internal(set) var samples = 0
    /// Desired replicas by service, from the last snapshot.
    public internal(set) var desiredReplicas: [String: Int] = [:]
    /// Over several hosts: each host with its CPU use, in the order given; empty for one engine.
    public internal(set) var hosts: [HostRow] = []
    /// Each container's history (restarts, exits, OOM kills, limit changes, pauses), from the
    /// event journal and the samples' OOM counters.
    public internal(set) var timelines = Timelines()
    /// The newest journal events, for the events view (a ring: the view costs the same memory
    /// after a day as after a minute).
    public internal(set) var recentEvents = RingBuffer<Event>(capacity: DashboardModel.recentEventsCapacity)
    public static let recentEventsCapacity = 2000

    // View state.
    public var size: TerminalSize
    public internal(set) var focus: Pane = .containers
    public internal(set) var view: DashboardView = .containers
    /// The events view's `/` filter, and how many of its newest lines are scrolled past.
    public internal(set) var eventsFilter = ContainerFilter("")
    public internal(set) var eventsScroll = 0
    /// The images, volumes and networks last read, and each view's selected row.
    public internal(set) var resources = ResourceLists()
    public internal(set) var resourceSelection: [ResourceKind: Int] = [:]
    /// The inspect view's document (`i`).
    public internal(set) var inspect = InspectState()
    /// The processes view's container and its last read (`P`).
    public internal(set) var processes = ProcessesState()
    public internal(set) var selectedID: String?
    /// Set when a service heading is the selection (then `selectedID` is nil): s r K d p act on
    /// all its replicas, + - scale it, the logs pane merges its replicas' logs.
    public internal(set) var selectedService: String?
    /// Service groups folded to their heading (`z`; the heading shows ▸).
    public internal(set) var collapsed: Set<String> = []
    public internal(set) var scrollTop = 0
    /// Facts of the detail pane scrolled past (j/k with the detail focused); back to 0 for another container.
    public internal(set) var detailScroll = 0
    public internal(set) var sort: SortKey = .name
    public internal(set) var sortDescending = false
    public internal(set) var filter = ContainerFilter("")
    public internal(set) var showAll: Bool
    public internal(set) var logs = LogsState()
    public internal(set) var logsFullscreen = false
    public internal(set) var mode: InputMode = .normal
    public internal(set) var status: StatusMessage? {
        didSet { statusSince = now }
    }
    /// When the status was set (by the snapshots' clock): news and results go after
    /// `statusLifetime`; an error stays until the next key, so it is not missed.
    var statusSince: Date?
    static let statusLifetime: Double = 5
    /// Containers with an action in flight, and what it is ("stopping").
    public internal(set) var busy: [String: String] = [:]
    /// The container the last action was for: shown while it stays selected, even when the view
    /// would hide it now (stopped in "running only"), so a second key press never lands on the
    /// row that slid into its place.
    public internal(set) var keptVisibleID: String?
    /// Containers marked with space / ctrl-a: while any are, container keys act on all of them
    /// instead of the selection. Marks of containers that vanish go with them.
    public internal(set) var marked: Set<String> = []
    /// Per service, the replica count the user last asked for (`+`/`-`, `:scale`), until a snapshot
    /// shows the engine has it; presses add to it rather than to a snapshot taken before the call.
    public internal(set) var scaleTargets: [String: Int] = [:]
    /// Per service, the count a scale call now running is setting; one call at a time per service.
    public internal(set) var scalesRunning: [String: Int] = [:]
    /// Snapshots left before a count asked for that the engine does not report is forgotten.
    var scaleSettling: [String: Int] = [:]
    /// What was wrong with the config and themes at start, all of it (`:problems` walks them).
    public internal(set) var startupProblems: [String] = []
    var problemCursor = 0
    public internal(set) var commandHistory: [String] = []
    public internal(set) var historyCursor: Int?
    public internal(set) var graphStyle: GraphStyle
    public internal(set) var quitRequested = false

    // Settings.
    public internal(set) var theme: Theme
    public internal(set) var themes: ThemeCatalog
    public internal(set) var palette: Palette
    public internal(set) var colorMode: ColorMode
    public internal(set) var glyphs: Glyphs
    public internal(set) var keys: KeyTable
    /// The user's own commands (`commands:` in config.yaml), under keys no action uses.
    public internal(set) var customCommands: [CustomCommand] = []
    /// The containers table's columns in order (`columns:` in config.yaml); nil: chosen by width.
    public internal(set) var columns: [ContainerColumn]?
    /// The autoscaled services' policies, from the last snapshot (their headings, `+`/`-`).
    public internal(set) var autoscale: [String: AutoscalePolicy] = [:]
    public internal(set) var interval: Double
    public internal(set) var available: ActionAvailability
    /// Whether `y` may send the clipboard sequence to the terminal (`clipboard:` in config.yaml,
    /// else `Clipboard.defaultSetting`).
    public internal(set) var clipboard: Clipboard = .osc52
    /// Seconds east of UTC for the times shown; injected so golden screens do not depend on TZ.
    public internal(set) var utcOffset: Int

    public init(size: TerminalSize, theme: Theme = ThemeCatalog.fallback, themes: ThemeCatalog = .builtin(),
                colorMode: ColorMode = .truecolor, unicode: Bool = true, keys: KeyTable = .standard, customCommands: [CustomCommand] = [], columns: [ContainerColumn]? = nil,
                interval: Double = 1, showAll: Bool = true, available: ActionAvailability = ActionAvailability(),
                graphStyle: GraphStyle? = nil, utcOffset: Int = 0, now: Date = Date(timeIntervalSince1970: 0)) {
        self.size = size
        self.theme = theme
        self.themes = themes
        self.colorMode = colorMode
        self.palette = Palette(theme: theme, mode: colorMode)
        self.glyphs = unicode ? .unicode : .ascii
        self.keys = keys
        self.customCommands = customCommands
        self.columns = columns
        self.interval = interval
        self.showAll = showAll
        self.available = available
        self.graphStyle = graphStyle ?? (unicode ? .braille : .ascii)
        self.utcOffset = utcOffset
        self.now = now
    }

    public var selected: ContainerEntry? { selectedID.flatMap { entries[$0] } }

    /// The replicas of `service`, by name (s2 before s10).
    public func members(of service: String) -> [ContainerEntry] {
        entries.values.filter { $0.info.service == service }.sorted { NaturalOrder.compare($0.name, $1.name) < 0 }
    }

    /// Index in `rows` of the selection, heading or container.
    public var selectedRow: Int? {
        if let s = selectedService { return rows.firstIndex { if case .service(s, _, _) = $0 { return true } else { return false } } }
        return selectedID.flatMap { rows.firstIndex(of: .container(id: $0)) }
    }

    /// What the logs pane follows: the selected container's id, or `LogsSource.service` of a heading.
    public var logsKey: String? { selectedService.map(LogsSource.serviceKey) ?? selectedID }

    /// Restarts by its restart policy in the last minute, when that is a crash loop.
    public func crashLoop(_ id: String) -> Int? {
        timelines.crashLoop(id, now: Int64(now.timeIntervalSince1970 * 1e9))
    }

    /// Container ids in display order (what j/k walk through).
    public var visibleIDs: [String] {
        rows.compactMap { if case .container(let id) = $0 { return id } else { return nil } }
    }

    /// The events the events view lists, newest first, through its filter.
    public var shownEvents: [Event] {
        let all = recentEvents.values.reversed()
        guard !eventsFilter.isEmpty else { return Array(all) }
        return all.filter { eventsFilter.matches(fields: $0.filterFields) }
    }

    public var layout: Layout {
        Layout.compute(size: size, focus: focus, logsFullscreen: logsFullscreen, headerHeight: 2 + hosts.count)
    }

    /// A dashboard over several hosts (a HOST column, a header line per host).
    public var isFleet: Bool { !hosts.isEmpty }

    /// The container's host does not answer: its row shows its last known state, greyed.
    public func isStale(_ e: ContainerEntry) -> Bool {
        guard let name = e.host else { return false }
        return hosts.first { $0.sample.name == name }.map { !$0.sample.reachable } ?? false
    }

    /// Number of containers in each state, for the header.
    public var countsByStatus: [ContainerStatus: Int] {
        var c: [ContainerStatus: Int] = [:]
        for e in entries.values { c[e.info.state.status, default: 0] += 1 }
        return c
    }

    /// Replicas of `service` that exist now (any state): what `+`/`-` scale from.
    public func replicas(of service: String) -> Int {
        entries.values.filter { $0.info.service == service }.count
    }

    /// A container by exact name, exact id, or unique id prefix, as the CLI resolves refs.
    public func resolve(_ ref: String) -> ContainerEntry? {
        if let e = entries.values.first(where: { $0.info.name == ref || $0.info.id == ref }) { return e }
        let matches = entries.values.filter { $0.info.id.hasPrefix(ref) }
        return matches.count == 1 ? matches[0] : nil
    }
}
