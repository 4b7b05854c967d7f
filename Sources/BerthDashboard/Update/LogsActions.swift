import BerthOS
import BerthRuntime
import Foundation

/// The logs pane over the whole file: the view moving past the held lines asks for pages, a search
/// goes on through the file, `:since`/`:until` limit the range, `:save` writes it, `y` copies a
/// line. The reads happen on the sampler thread (`Effect.readLogs`); here only the asking and
/// the placing of what comes back.
extension DashboardModel {
    /// Moves the logs view by `lines` (up is positive) and asks for the lines it is coming to.
    mutating func scrollLogs(by lines: Int) -> [Effect] {
        let total = logs.visibleLines.count
        let maxScroll = max(0, total - layout.logRows)
        logs.scrollFromBottom = min(maxScroll, max(0, logs.scrollFromBottom + lines))
        logs.follow = logs.scrollFromBottom == 0 && (logs.window?.attached ?? true)
        return readAroundView()
    }

    /// Older or newer lines, when the view comes within a screen of either end of the held ones
    /// and the file has more there (one read at a time).
    mutating func readAroundView() -> [Effect] {
        guard let w = logs.window, let id = logs.containerID, !logs.reading else { return [] }
        let margin = max(1, layout.logRows)
        let topIndex = logs.visibleLines.count - logs.scrollFromBottom - layout.logRows
        if topIndex < margin, !w.reachesStart {
            logs.reading = true
            let anchor = w.olderAnchor
            return [.readLogs(id: id, .older(before: anchor.before, skipping: anchor.skipping))]
        }
        if logs.scrollFromBottom < margin, !w.reachesEnd {
            logs.reading = true
            return [.readLogs(id: id, .newer(after: w.end))]
        }
        return []
    }

    /// `g`: the range's first line, read from the file when it is not held.
    mutating func logsToFirstLine() -> [Effect] {
        if let w = logs.window, !w.reachesStart, let id = logs.containerID {
            logs.reading = true
            return [.readLogs(id: id, .first)]
        }
        logs.follow = false
        return scrollLogs(by: logs.visibleLines.count)
    }

    /// `G`: the range's last line, and following when that is the live end.
    mutating func logsToLastLine() -> [Effect] {
        if let w = logs.window, !w.reachesEnd, let id = logs.containerID {
            logs.reading = true
            return [.readLogs(id: id, .last)]
        }
        logs.scrollFromBottom = 0
        logs.follow = logs.window?.attached ?? true
        return []
    }

    /// Places a page the sampler read.
    mutating func apply(_ read: LogsPageRead) -> [Effect] {
        switch read.placement {
        case .older:
            logs.prepend(read.page)
        case .newer:
            logs.appendNewer(read.page, attached: read.attached)
            if read.attached && logs.scrollFromBottom == 0 { logs.follow = true }
        case .top, .bottom, .hit:
            if case .hit = read.placement, logs.searching == nil { return [] } // cancelled meanwhile
            let w = LogsWindow(page: read.page, floor: read.floor, ceiling: read.ceiling, fileEnd: read.fileEnd, attached: read.attached)
            logs.replace(with: read.page, window: w)
            let count = logs.visibleLines.count
            switch read.placement {
            case .top:
                logs.scrollFromBottom = max(0, count - layout.logRows)
                logs.follow = false
            case .hit(let line):
                logs.searching = nil
                let hit = line < read.page.lines.count && logs.stream.admits(read.page.lines[line].stream)
                    ? logs.visibleLines.count - visibleLinesFrom(line) : nil
                logs.matchIndex = hit
                if let hit { logs.scrollFromBottom = max(0, count - 1 - hit - layout.logRows / 2) }
                logs.follow = false
                status = StatusMessage("match at \(w.percent(atLine: line))% of the log · \(Self.searchKeys(logs.searchDirection, inLogs: true))")
            default:
                logs.scrollFromBottom = 0
                logs.follow = read.attached
            }
        }
        return []
    }

    /// The visible lines from held line `line` on (the stream filter hides some).
    private func visibleLinesFrom(_ line: Int) -> Int {
        logs.lines[line...].filter { logs.stream.admits($0.stream) }.count
    }

    mutating func apply(_ report: LogSearchReport) {
        guard logs.searching != nil else { return } // cancelled
        switch report {
        case .progress(let share): logs.searching = share
        case .notFound(let older):
            logs.searching = nil
            let went: SearchDirection = older ? .up : .down
            status = StatusMessage("no \(went.inLogs) match for \(logs.search.quoted) in the log \(Self.otherWay(went, logs.searchDirection))", .error)
        case .failed(let why):
            logs.searching = nil
            status = StatusMessage("search failed: \(why)", .error)
        }
    }

    /// The search goes on through the file past the held lines, when there is more there.
    mutating func searchFile(older: Bool) -> [Effect] {
        guard let w = logs.window, let id = logs.containerID, older ? !w.reachesStart : !w.reachesEnd else { return [] }
        logs.searching = 0
        let from = older ? (w.start ?? w.olderAnchor.before) : w.end
        return [.readLogs(id: id, .search(term: logs.search, from: from, older: older))]
    }

    /// Esc while a search runs through the file: it stops.
    mutating func cancelLogSearch() -> [Effect] {
        guard logs.searching != nil, let id = logs.containerID else { return [] }
        logs.searching = nil
        status = StatusMessage("search cancelled")
        return [.readLogs(id: id, .cancelSearch)]
    }

    /// `:since TIME` / `:until TIME` (nil clears that end): the view shows the range's last lines.
    mutating func setLogsRange(since: String?? = nil, until: String?? = nil) -> [Effect] {
        guard logs.window != nil, let id = logs.containerID else {
            status = StatusMessage("a time range needs a container's own log file: select a container and press l", .error)
            return []
        }
        var range = logs.range
        do {
            if let since {
                range.since = try since.map { try Self.nanos($0, now: now) }
                range.sinceText = since ?? ""
            }
            if let until {
                range.until = try until.map { try Self.nanos($0, now: now) }
                range.untilText = until ?? ""
            }
        } catch {
            status = StatusMessage("\(error)", .error)
            return []
        }
        logs.range = range
        logs.reading = true
        status = StatusMessage(range.isEmpty ? "logs: the whole file" : "logs: \(Self.describe(range))")
        return [.readLogs(id: id, .range(range))]
    }

    static func nanos(_ text: String, now: Date) throws -> Int64 {
        try DurationParser.parseTimestamp(text, now: now).unixNanoseconds ?? Int64.min
    }

    /// "since 10m until 2026-12-01T10:00:00Z", for the title and the status.
    static func describe(_ r: LogsTimeRange) -> String {
        [r.since == nil ? nil : "since \(Quoted.escapeControls(r.sinceText))",
         r.until == nil ? nil : "until \(Quoted.escapeControls(r.untilText))"].compactMap { $0 }.joined(separator: " ")
    }

    /// `:save PATH`: the view's range, stream filter applied, from the file.
    mutating func saveLogs(path: String, overwrite: Bool) -> [Effect] {
        guard let id = logs.containerID else {
            status = StatusMessage("no log to save: select a container", .error)
            return []
        }
        guard !path.isEmpty else {
            status = StatusMessage(LogsExportError.noPath.description, .error)
            return []
        }
        status = StatusMessage("saving to \(Quoted.escapeControls(path))…")
        return [.readLogs(id: id, .save(path: path, overwrite: overwrite, stream: logs.stream, timestamps: logs.showTimestamps))]
    }

    /// `y`: the line at the search hit, else at the bottom of the view, to the clipboard.
    mutating func copyLogLine() -> [Effect] {
        let lines = logs.visibleLines
        guard !lines.isEmpty else {
            status = StatusMessage("no line to copy", .error)
            return []
        }
        guard clipboard == .osc52 else {
            status = StatusMessage("the clipboard is off: set clipboard: osc52 in config.yaml if the terminal allows it", .error)
            return []
        }
        let index = logs.matchIndex.map { min($0, lines.count - 1) } ?? lines.count - 1 - min(logs.scrollFromBottom, lines.count - 1)
        let text = Clipboard.printable(lines[index].text)
        status = StatusMessage("copied \(text.utf8.count) bytes")
        return [.writeTerminal(Clipboard.osc52(text))]
    }
}
