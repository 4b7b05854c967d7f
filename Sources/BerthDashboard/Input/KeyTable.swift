/// One row of the key table: what it does, which keys, where, and the words help shows.
public struct KeyBinding: Sendable, Equatable {
    public var action: KeyAction
    public var keys: [Key]
    public var scope: KeyScope
    public var help: String
    /// Short label for the status bar's hints; nil keeps the binding out of the hints.
    public var hint: String?
}

/// The one table that both dispatches keys and generates the help overlay and status hints, so
/// they cannot drift apart (the k9s approach).
public struct KeyTable: Sendable, Equatable {
    public private(set) var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) { self.bindings = bindings }

    public static let standard = KeyTable(bindings: [
        KeyBinding(action: .up, keys: [.char("k"), .up], scope: .global, help: "Move up / scroll up", hint: nil),
        KeyBinding(action: .down, keys: [.char("j"), .down], scope: .global, help: "Move down / scroll down", hint: nil),
        KeyBinding(action: .pageUp, keys: [.pageUp, .ctrl("b")], scope: .global, help: "Page up", hint: nil),
        KeyBinding(action: .pageDown, keys: [.pageDown, .ctrl("f")], scope: .global, help: "Page down", hint: nil),
        KeyBinding(action: .top, keys: [.char("g"), .home], scope: .global, help: "Go to the top (logs: the file's first line)", hint: nil),
        KeyBinding(action: .bottom, keys: [.char("G"), .end], scope: .global, help: "Go to the bottom (logs: the file's end, follow)", hint: nil),
        KeyBinding(action: .nextPane, keys: [.tab], scope: .global, help: "Next pane", hint: nil),
        KeyBinding(action: .previousPane, keys: [.backTab], scope: .global, help: "Previous pane", hint: nil),
        KeyBinding(action: .focusContainers, keys: [.char("1")], scope: .global, help: "Containers pane", hint: nil),
        KeyBinding(action: .focusDetail, keys: [.char("2")], scope: .global, help: "Detail pane", hint: nil),
        KeyBinding(action: .focusLogs, keys: [.char("3")], scope: .global, help: "Logs pane", hint: nil),
        KeyBinding(action: .showEvents, keys: [.char("4")], scope: .global, help: "Events view: the engine's journal, live (1 2 3 return)", hint: nil),
        KeyBinding(action: .showImages, keys: [.char("5")], scope: .global, help: "Images view: size, layers, containers using each", hint: nil),
        KeyBinding(action: .showVolumes, keys: [.char("6")], scope: .global, help: "Volumes view: driver, containers using each", hint: nil),
        KeyBinding(action: .showNetworks, keys: [.char("7")], scope: .global, help: "Networks view: subnet, gateway, members", hint: nil),
        KeyBinding(action: .startStop, keys: [.char("s")], scope: .global, help: "Start or stop the selection (a heading: all its replicas)", hint: "start/stop"),
        KeyBinding(action: .restart, keys: [.char("r")], scope: .global, help: "Restart the selection (a heading: all its replicas)", hint: "restart"),
        KeyBinding(action: .kill, keys: [.char("K")], scope: .global, help: "Kill the selected container (asks first)", hint: "kill"),
        KeyBinding(action: .remove, keys: [.char("d")], scope: .global, help: "Remove the selected container (asks first)", hint: "rm"),
        KeyBinding(action: .pause, keys: [.char("p")], scope: .global, help: "Pause or unpause the selected container", hint: nil),
        KeyBinding(action: .mark, keys: [.char(" ")], scope: .containers, help: "Mark or unmark the selection; s r K d p act on all marked", hint: nil),
        KeyBinding(action: .markAll, keys: [.ctrl("a")], scope: .containers, help: "Mark every container shown, or clear the marks", hint: nil),
        KeyBinding(action: .scaleUp, keys: [.char("+")], scope: .global, help: "Add a replica to the selected service", hint: nil),
        KeyBinding(action: .scaleDown, keys: [.char("-")], scope: .global, help: "Remove a replica from the selected service", hint: nil),
        KeyBinding(action: .exec, keys: [.char("e")], scope: .global, help: "Open a shell in the selected container", hint: nil),
        KeyBinding(action: .toggleGroup, keys: [.char("z")], scope: .containers,
                   help: "Collapse or expand the selection's service group", hint: nil),
        KeyBinding(action: .inspect, keys: [.char("i")], scope: .containers,
                   help: "Inspect the selected container: its inspect JSON, / to search", hint: nil),
        KeyBinding(action: .openLogs, keys: [.char("l"), .enter], scope: .containers, help: "Show the selection's logs (heading: all replicas', merged)", hint: "logs"),
        KeyBinding(action: .filter, keys: [.char("/")], scope: .containers, help: "Filter (text or regex, ! inverts)", hint: "filter"),
        KeyBinding(action: .sort, keys: [.char("o")], scope: .containers, help: "Sort by the next column", hint: "sort"),
        KeyBinding(action: .sortReverse, keys: [.char("O")], scope: .containers, help: "Reverse the sort order", hint: nil),
        KeyBinding(action: .toggleAll, keys: [.char("a")], scope: .containers, help: "Show or hide stopped containers", hint: "all"),
        KeyBinding(action: .graphStyle, keys: [.char("b")], scope: .global, help: "Graphs: braille, block, ASCII", hint: nil),
        KeyBinding(action: .search, keys: [.char("/")], scope: .logs,
                   help: "Search older lines, on through the whole file (re:PATTERN a regex; ^R in the prompt: newer; Esc stops)", hint: "search"),
        KeyBinding(action: .searchNext, keys: [.char("n")], scope: .logs, help: "Next match the search's way (older after /)", hint: nil),
        KeyBinding(action: .searchPrevious, keys: [.char("N")], scope: .logs, help: "Next match the other way (newer after /)", hint: nil),
        KeyBinding(action: .follow, keys: [.char("f")], scope: .logs, help: "Follow new lines on/off", hint: "follow"),
        KeyBinding(action: .timestamps, keys: [.char("T")], scope: .logs, help: "Timestamps on/off", hint: "time"),
        KeyBinding(action: .wrap, keys: [.char("w")], scope: .logs, help: "Wrap long lines on/off", hint: "wrap"),
        KeyBinding(action: .stream, keys: [.char("v")], scope: .logs, help: "Show both streams, stdout or stderr", hint: "stream"),
        KeyBinding(action: .fullscreen, keys: [.char("z")], scope: .logs, help: "Full-screen logs on/off", hint: "zoom"),
        KeyBinding(action: .copyLine, keys: [.char("y")], scope: .logs,
                   help: "Copy the match's line (else the bottom one) to the clipboard (OSC 52)", hint: nil),
        KeyBinding(action: .eventsFilter, keys: [.char("/")], scope: .events,
                   help: "Filter by container, action or attribute (text or regex, ! inverts)", hint: "filter"),
        KeyBinding(action: .removeImage, keys: [.char("d")], scope: .images,
                   help: "Remove the selected image name (asks first; refused while a container uses it)", hint: "rm"),
        KeyBinding(action: .pruneImages, keys: [.char("P")], scope: .images,
                   help: "Remove every image no container uses, and unused layers (asks first)", hint: "prune"),
        KeyBinding(action: .removeVolume, keys: [.char("d")], scope: .volumes,
                   help: "Remove the selected volume and its data (asks first; refused while mounted)", hint: "rm"),
        KeyBinding(action: .pruneVolumes, keys: [.char("P")], scope: .volumes,
                   help: "Remove every volume no container mounts, with its data (asks first)", hint: "prune"),
        KeyBinding(action: .removeNetwork, keys: [.char("d")], scope: .networks,
                   help: "Remove the selected network (asks first; refused while containers are on it)", hint: "rm"),
        KeyBinding(action: .editLimits, keys: [.char("u")], scope: .containers,
                   help: "Change the selection's limits live: :update with its memory, CPUs and pids filled in", hint: nil),
        KeyBinding(action: .processes, keys: [.char("P")], scope: .containers,
                   help: "Processes view: the selection's processes, live (CPU, memory, command)", hint: nil),
        KeyBinding(action: .terminateProcess, keys: [.char("x")], scope: .processes,
                   help: "Send SIGTERM to the selected process (asks first)", hint: "term"),
        KeyBinding(action: .killProcess, keys: [.char("K")], scope: .processes,
                   help: "Send SIGKILL to the selected process (asks first)", hint: "kill"),
        KeyBinding(action: .inspectSearch, keys: [.char("/")], scope: .inspect,
                   help: "Search down the document (re:PATTERN a regex; ^R in the prompt: up)", hint: "search"),
        KeyBinding(action: .inspectNext, keys: [.char("n")], scope: .inspect, help: "Next match the search's way (down after /)", hint: nil),
        KeyBinding(action: .inspectPrevious, keys: [.char("N")], scope: .inspect, help: "Next match the other way (up after /)", hint: nil),
        KeyBinding(action: .cycleTheme, keys: [.char("t")], scope: .global, help: "Next theme", hint: nil),
        KeyBinding(action: .command, keys: [.char(":")], scope: .global, help: "Command line (:stop web-2, :scale web=4, :theme nord, :sort mem, :since 10m, :save PATH)", hint: "cmd"),
        KeyBinding(action: .help, keys: [.char("?"), .function(1)], scope: .global, help: "This help", hint: "help"),
        KeyBinding(action: .quit, keys: [.char("q"), .ctrl("c")], scope: .global, help: "Quit (containers keep running)", hint: "quit"),
    ])

    /// The action for `key` with the given pane focused: the pane's own bindings first, then global.
    public func action(for key: Key, scope: KeyScope) -> KeyAction? {
        if let b = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) { return b.action }
        return bindings.first(where: { $0.scope == .global && $0.keys.contains(key) })?.action
    }

    public func binding(_ action: KeyAction) -> KeyBinding? { bindings.first { $0.action == action } }

    public func keys(for action: KeyAction) -> [Key] { binding(action)?.keys ?? [] }

    /// Pairs of actions that one key would trigger in the same place. A key may mean different
    /// things in the containers and logs panes, but nothing else may share a key with a global one
    /// — except in a list view, where only the global keys that work there count (`d` removes an
    /// image in the images view, a container elsewhere).
    public func clashes() -> [(key: Key, first: KeyAction, second: KeyAction)] {
        var found: [(Key, KeyAction, KeyAction)] = []
        func meet(_ a: KeyBinding, _ b: KeyBinding) -> Bool {
            if a.scope == b.scope { return true }
            if a.scope == .global { return !b.scope.isListView || a.action.worksInListViews }
            if b.scope == .global { return !a.scope.isListView || b.action.worksInListViews }
            return false
        }
        for (i, a) in bindings.enumerated() {
            for b in bindings[(i + 1)...] where meet(a, b) {
                for k in a.keys where b.keys.contains(k) { found.append((k, a.action, b.action)) }
            }
        }
        return found
    }

    /// This table with `action` bound to `keys` instead of its defaults.
    public func rebinding(_ action: KeyAction, to keys: [Key]) -> KeyTable {
        var t = self
        if let i = t.bindings.firstIndex(where: { $0.action == action }) { t.bindings[i].keys = keys }
        return t
    }
}
