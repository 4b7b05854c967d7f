import BerthRuntime

/// Which of a container's output streams the logs pane shows; `v` cycles.
public enum StreamFilter: String, CaseIterable, Sendable {
    case both, stdout, stderr

    func admits(_ s: LogStream) -> Bool {
        switch self {
        case .both: return true
        case .stdout: return s == .stdout
        case .stderr: return s == .stderr
        }
    }
}

/// The logs pane's state: a window of the selected container's log file (at most `capacity`
/// lines, read in pages as the view moves; see `LogsWindow`) and how it is viewed.
public struct LogsState: Sendable {
    /// Lines kept in memory; the rest of the file is read again when the view goes there.
    public static let capacity = 5000
    /// Lines read at a time when the view moves past the held ones.
    public static let pageLines = 500

    public var containerID: String?
    public private(set) var lines: [LogLine] = []
    /// Which bytes of the file `lines` are; nil when the lines come from no file (a service's
    /// merged replicas, an engine without log files): then they are all there is.
    public private(set) var window: LogsWindow?
    /// Lines above the bottom the view is scrolled; 0 shows the newest.
    public var scrollFromBottom = 0
    public var follow = true
    public var showTimestamps = false
    public var wrap = false
    public var stream = StreamFilter.both
    /// What `/` looks for: text, or a regex written `re:PATTERN` (`LogPattern`).
    public var search = ""
    /// The way the search goes: `n` on, `N` back (`SearchDirection`).
    public var searchDirection = SearchDirection.up
    /// Index into `visibleLines` of the current match.
    public var matchIndex: Int?
    /// `:since`/`:until`, as typed and as times.
    public var range = LogsTimeRange()
    /// How much of the file a search beyond the held lines has scanned (0...1); nil when none runs.
    public var searching: Double?
    /// A page of the file was asked for and has not come yet: one read at a time.
    public var reading = false

    public init() {}

    public mutating func reset(for id: String?) {
        // A search and a time range belong to the log they were typed in, not to the next container's.
        if id != containerID { search = ""; searchDirection = .up; range = LogsTimeRange() }
        containerID = id
        lines = []
        window = nil
        scrollFromBottom = 0
        follow = true
        matchIndex = nil
        searching = nil
        reading = false
    }

    /// New lines at the live end; `end` is the file offset they reach (nil: not from a file).
    public mutating func append(_ new: [LogLine], end: Int64? = nil) {
        if var w = window {
            guard w.attached else {
                // The view is elsewhere in the file: the new lines are read when it comes back.
                if let end { w.fileEnd = max(w.fileEnd, end) }
                window = w
                return
            }
            if let end { w.appendTail(lines: new.count, end: end) }
            window = w
        }
        lines.append(contentsOf: new)
        if !follow, stream.admits(.stdout) || stream.admits(.stderr) {
            // Keep the same lines on screen while the user reads older output.
            scrollFromBottom += visibleCount(new[...])
        }
        if window != nil && !follow {
            // Reading older lines: the newest page goes (read again on the way back down).
            trimBottom()
        }
        trimTop()
    }

    /// A file's lines from `page` on, replacing what was held (a new tail, `g`, a time range, a
    /// search hit); the caller places the view.
    public mutating func replace(with page: LogPage, window w: LogsWindow?) {
        lines = page.lines
        window = w
        matchIndex = nil
        scrollFromBottom = 0
        reading = false
    }

    /// Older lines read in above the held ones; the view stays on the same lines.
    public mutating func prepend(_ page: LogPage) {
        reading = false
        guard window != nil, !page.lines.isEmpty || page.start < page.end else { return }
        lines.insert(contentsOf: page.lines, at: 0)
        window!.prepend(page)
        if let m = matchIndex { matchIndex = m + visibleCount(page.lines[...]) }
        trimBottom()
    }

    /// Newer lines read in below the held ones (the view coming back down); `attached` when they
    /// reach the live end.
    public mutating func appendNewer(_ page: LogPage, attached: Bool) {
        reading = false
        guard window != nil else { return }
        lines.append(contentsOf: page.lines)
        window!.append(page)
        window!.attached = attached
        scrollFromBottom += visibleCount(page.lines[...])
        trimTop()
    }

    private mutating func trimTop() {
        while lines.count > LogsState.capacity {
            var n = lines.count - LogsState.capacity
            if window != nil { n = window!.dropFirst(atMost: n) }
            guard n > 0 else { return }
            let dropped = visibleCount(lines[..<n])
            lines.removeFirst(n)
            if let m = matchIndex { matchIndex = m >= dropped ? m - dropped : nil }
        }
    }

    /// Drops whole pages at the live end while over capacity (the window then stops there).
    private mutating func trimBottom() {
        while lines.count > LogsState.capacity, window != nil {
            let n = window!.dropLast()
            guard n > 0 else { return }
            let dropped = visibleCount(lines.suffix(n))
            lines.removeLast(n)
            scrollFromBottom = max(0, scrollFromBottom - dropped)
            if let m = matchIndex, m >= visibleCount(lines[...]) { matchIndex = nil }
            follow = false
        }
    }

    private func visibleCount(_ some: ArraySlice<LogLine>) -> Int {
        stream == .both ? some.count : some.filter { stream.admits($0.stream) }.count
    }

    public var visibleLines: [LogLine] {
        stream == .both ? lines : lines.filter { stream.admits($0.stream) }
    }
}

/// `:since`/`:until` of the logs pane: unix nanoseconds, and the words typed (for the title).
public struct LogsTimeRange: Sendable, Equatable {
    public var since: Int64?
    public var until: Int64?
    public var sinceText = ""
    public var untilText = ""

    public init() {}

    public var isEmpty: Bool { since == nil && until == nil }
}
