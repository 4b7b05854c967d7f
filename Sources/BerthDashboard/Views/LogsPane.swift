import BerthRuntime

/// The selected container's log tail: newest at the bottom, stderr in its own colour, search hits
/// highlighted. Only the lines that fit are measured, so a huge log or a megabyte-long line costs
/// no more than a screenful.
enum LogsPane {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        let logs = m.logs
        var flags: [String] = []
        flags.append(logs.follow ? "follow" : "paused")
        if logs.stream != .both { flags.append(logs.stream.rawValue) }
        if logs.showTimestamps { flags.append("time") }
        if logs.wrap { flags.append("wrap") }
        if !logs.search.isEmpty { flags.append("/\(logs.search) (\(logs.searchDirection.inLogs))") }
        if !logs.range.isEmpty { flags.append(DashboardModel.describe(logs.range)) }
        let name = m.selected?.name ?? m.selectedService.map { "\($0) (all replicas)" } ?? "-"
        c.box(r, title: "3 Logs \(name)  [\(flags.joined(separator: " "))]", focused: m.focus == .logs)
        let inner = r.inner
        guard inner.height > 0, inner.width > 2 else { return }
        let x = inner.x + 1
        let width = inner.width - 2
        let lines = logs.visibleLines
        guard m.logsKey != nil else {
            c.text("Select a container to see its log", row: inner.y, column: x, width: width, role: .muted)
            return
        }
        if lines.isEmpty {
            c.text(logs.lines.isEmpty ? "No output yet" : "No \(logs.stream.rawValue) output", row: inner.y, column: x, width: width, role: .muted)
            return
        }
        // A regex's matches have no positions (REG_NOSUB keeps it fast): its current line is lit.
        let needle = LogPattern(term: logs.search) == .text(logs.search) ? logs.search.lowercased() : ""
        var y = inner.y + inner.height - 1
        var index = lines.count - 1 - min(logs.scrollFromBottom, lines.count - 1)
        while y >= inner.y, index >= 0 {
            let line = lines[index]
            let stamp = logs.showTimestamps ? Format.clock(nanos: line.timestampNanos, utcOffset: m.utcOffset) + " " : ""
            let textRole: ThemeRole = line.stream == .stderr ? .logStderr : .logStdout
            let (text, cut) = sanitized(line.text, limit: logs.wrap ? width * inner.height : width + 1)
            let stampWidth = TextWidth.of(stamp)
            var segments = logs.wrap ? wrap(text, first: width - stampWidth, rest: width - stampWidth) : [text]
            // A wrapped line taller than the room left shows its beginning (where a message says
            // what it is), cut with an ellipsis, rather than only its tail.
            let room = y - inner.y + 1
            if segments.count > room || (logs.wrap && cut && segments.count == room) {
                segments = Array(segments.prefix(room))
                segments[segments.count - 1] = String(segments[segments.count - 1].dropLast()) + c.glyphs.ellipsis
            }
            let isMatch = logs.matchIndex == index
            for (i, seg) in segments.enumerated().reversed() {
                guard y >= inner.y else { break }
                if i == 0 && !stamp.isEmpty { c.text(stamp, row: y, column: x, role: .logTimestamp) }
                let tx = x + stampWidth
                let segWidth = width - stampWidth
                var style = c.style(textRole)
                if isMatch { style = c.style(.selection) }
                c.text(seg, row: y, column: tx, width: segWidth, style: style)
                if !needle.isEmpty && !isMatch { highlight(seg, needle, row: y, column: tx, width: segWidth, c: c) }
                y -= 1
            }
            index -= 1
        }
        if let note = statusNote(logs, rows: inner.height) {
            c.text(note, row: r.y + r.height - 1, column: r.x + max(2, r.width - TextWidth.of(note) - 2), role: .warning)
        }
    }

    /// The bottom border's note: a search's progress through the file, where in the file the view
    /// is (by byte offset) once it has left the live end, and how much newer output is below.
    static func statusNote(_ logs: LogsState, rows: Int) -> String? {
        var parts: [String] = []
        if let share = logs.searching { parts.append("searching… \(Int(share * 100))% (Esc stops)") }
        let detached = logs.window.map { !$0.attached } ?? false
        if let w = logs.window, logs.scrollFromBottom > 0 || detached {
            // The top line shown, as a raw index into the held lines (a stream filter hides some).
            let visible = logs.visibleLines.count
            let top = max(0, visible - logs.scrollFromBottom - rows)
            let raw = logs.stream == .both ? top : Self.rawIndex(ofVisible: top, in: logs)
            parts.append("\(w.percent(atLine: raw))%")
        }
        if logs.scrollFromBottom > 0 || detached {
            parts.append(detached ? "newer below (G)" : "\(logs.scrollFromBottom) newer below (G)")
        }
        return parts.isEmpty ? nil : " " + parts.joined(separator: " · ") + " "
    }

    private static func rawIndex(ofVisible index: Int, in logs: LogsState) -> Int {
        var seen = 0
        for (i, line) in logs.lines.enumerated() where logs.stream.admits(line.stream) {
            if seen == index { return i }
            seen += 1
        }
        return max(0, logs.lines.count - 1)
    }

    /// Removes terminal escapes and control characters (a log may hold anything) and stops after
    /// `limit` characters, which is all the pane can show.
    static func sanitize(_ s: String, limit: Int) -> String { sanitized(s, limit: limit).text }

    /// `sanitize`, and whether the line went on past `limit` (found without reading the rest of a
    /// line that may be megabytes long: this runs for every line drawn, every frame).
    static func sanitized(_ s: String, limit: Int) -> (text: String, cut: Bool) {
        var out = ""
        var inEscape = false
        var count = 0
        for u in s.unicodeScalars {
            if count >= limit { return (out, true) }
            if inEscape {
                if (0x40...0x7e).contains(u.value) && u != "[" { inEscape = false }
                continue
            }
            switch u.value {
            case 0x1b: inEscape = true
            case 0x09: out += "    "; count += 4
            case _ where !TextWidth.isDisplayable(u.value): continue
            default: out.unicodeScalars.append(u); count += 1
            }
        }
        return (out, false)
    }

    /// Splits `s` into pieces of at most `first` cells, then `rest` cells each.
    static func wrap(_ s: String, first: Int, rest: Int) -> [String] {
        guard first > 0, rest > 0 else { return [s] }
        var out: [String] = []
        var current = ""
        var used = 0
        var limit = first
        for ch in s {
            let w = TextWidth.of(ch)
            if used + w > limit {
                out.append(current); current = ""; used = 0; limit = rest
            }
            current.append(ch); used += w
        }
        out.append(current)
        return out
    }

    private static func highlight(_ seg: String, _ needle: String, row: Int, column: Int, width: Int, c: Canvas) {
        let lower = seg.lowercased()
        guard lower.count == seg.count else { return }
        var searchStart = lower.startIndex
        while let range = lower.range(of: needle, range: searchStart..<lower.endIndex) {
            let offset = TextWidth.of(String(lower[..<range.lowerBound]))
            guard offset < width else { break }
            let lo = seg.index(seg.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: range.lowerBound))
            let hi = seg.index(lo, offsetBy: lower.distance(from: range.lowerBound, to: range.upperBound))
            c.text(String(seg[lo..<hi]), row: row, column: column + offset, width: width - offset, role: .searchMatch)
            searchStart = range.upperBound
        }
    }
}
