import BerthRuntime
import Foundation

/// The events view (`4`, `:events`): the journal, newest first, one line per event.
enum EventsPane {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        let events = m.shownEvents
        var title = "4 Events \(events.count)/\(m.recentEvents.count)"
        if !m.eventsFilter.isEmpty { title += "  /\(m.eventsFilter.text)" }
        c.box(r, title: title, focused: true)
        let inner = r.inner
        guard inner.height > 1, inner.width > 20 else { return }
        // TIME, ACTION, NAME and, when there is room, the short ID; the attributes take the rest.
        let timeWidth = 19, actionWidth = 8
        let nameWidth = min(24, max(12, inner.width / 6))
        let showID = inner.width >= 100
        var columns: [(String, Int)] = [("TIME", timeWidth), ("ACTION", actionWidth), ("NAME", nameWidth)]
        if showID { columns.append(("ID", 12)) }
        let used = columns.reduce(0) { $0 + $1.1 + 1 }
        columns.append(("ATTRIBUTES", max(0, inner.width - used - 2)))
        var x = inner.x + 1
        for (heading, w) in columns {
            c.text(TextWidth.fit(heading, w), row: inner.y, column: x, role: .columnHeader)
            x += w + 1
        }
        let rows = inner.height - 1
        if events.isEmpty {
            let message = m.recentEvents.isEmpty ? "No events yet: they appear as containers are created, started, stopped…"
                : "No event matches /\(m.eventsFilter.text)/ (Esc clears the filter)"
            c.text(message, row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .muted)
            return
        }
        let start = min(m.eventsScroll, max(0, events.count - 1))
        for (i, e) in events.dropFirst(start).prefix(rows).enumerated() {
            let y = inner.y + 1 + i
            var x = inner.x + 1
            var cells = [Format.dateTime(Date(timeIntervalSince1970: Double(e.time / 1_000_000_000)), utcOffset: m.utcOffset), e.action, e.name]
            if showID { cells.append(String(e.id.prefix(12))) }
            cells.append(e.attributeText)
            for (j, (_, w)) in columns.enumerated() {
                let role: ThemeRole = j == 1 ? role(e) : (j == 0 ? .muted : .text)
                c.text(TextWidth.fit(cells[j], w, ellipsis: c.glyphs.ellipsis), row: y, column: x, role: role)
                x += w + 1
            }
        }
        // Where the list stands when it is longer than the pane.
        if events.count > rows {
            let text = "\(start + 1)-\(min(events.count, start + rows))/\(events.count)"
            c.text(" \(text) ", row: r.y + r.height - 1, column: r.x + r.width - TextWidth.of(text) - 4, role: .muted)
        }
    }

    /// The action's colour: what went wrong in the error colour, starts as running, stops as exited.
    static func role(_ e: Event) -> ThemeRole {
        switch e.action {
        case "oom": return .error
        case "die": return (e.attributes["exitCode"] ?? "0") != "0" || e.attributes["signal"] != nil ? .error : .exited
        case "start", "unpause", "restart": return .running
        case "kill", "stop", "pause": return .restarting
        case "create": return .created
        case "destroy": return .muted
        default: return .text
        }
    }
}
