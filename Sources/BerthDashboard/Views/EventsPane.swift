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
        let showID = inner.width >= 100
        var columns: [Table.Column] = [.init(heading: "TIME", width: 19), .init(heading: "ACTION", width: 8),
                                       .init(heading: "NAME", width: min(24, max(12, inner.width / 6)))]
        if showID { columns.append(.init(heading: "ID", width: 12)) }
        columns.append(.init(heading: "ATTRIBUTES"))
        if events.isEmpty {
            let message = m.recentEvents.isEmpty ? "No events yet: they appear as containers are created, started, stopped…"
                : "No event matches /\(m.eventsFilter.text)/ (Esc clears the filter)"
            c.text(message, row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .muted)
        }
        let start = min(m.eventsScroll, max(0, events.count - 1))
        Table.draw(columns, count: events.count, scroll: .from(start), top: inner.y + 1, in: r, on: c) { i, j in
            let e = events[i]
            switch j {
            case 0: return (Format.dateTime(Date(timeIntervalSince1970: Double(e.time / 1_000_000_000)), utcOffset: m.utcOffset), .muted)
            case 1: return (e.action, role(e))
            case 2: return (e.name, nil)
            case 3 where showID: return (String(e.id.prefix(12)), nil)
            default: return (e.attributeText, nil)
            }
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
