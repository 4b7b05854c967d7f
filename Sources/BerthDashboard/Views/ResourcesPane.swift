import BerthRuntime
import Foundation

/// The images (`5`), volumes (`6`) and networks (`7`) views: one table of what `berth images`,
/// `volume ls` and `network ls` list, the selection in the selection colour.
enum ResourcesPane {
    /// A column: heading, width (nil: shares what the fixed ones leave), right-aligned.
    struct Column {
        var heading: String
        var width: Int?
        var alignRight = false
    }

    static func draw(_ m: DashboardModel, _ kind: ResourceKind, in r: Rect, on c: Canvas) {
        let (number, title) = heading(kind)
        let total = m.resources.count(kind)
        c.box(r, title: "\(number) \(title) \(total)", focused: true)
        let inner = r.inner
        guard inner.height > 1, inner.width > 20 else { return }
        let columns = self.columns(kind, width: inner.width)
        let widths = layout(columns, width: inner.width - 2)
        var x = inner.x + 1
        for (col, w) in zip(columns, widths) {
            c.text(TextWidth.fit(col.heading, w, alignRight: col.alignRight), row: inner.y, column: x, role: .columnHeader)
            x += w + 1
        }
        let rows = inner.height - 1
        if let error = m.resources.errors[kind] {
            c.text("could not list \(kind.rawValue)s: \(error)", row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .error)
            if total == 0 { return }
        }
        guard total > 0 else {
            let message = m.resources.loaded.contains(kind) ? emptyMessage(kind) : "reading \(kind.rawValue)s…"
            c.text(message, row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: .muted)
            return
        }
        let top = m.resources.errors[kind] == nil ? inner.y + 1 : inner.y + 2
        let shown = inner.y + inner.height - top
        let selected = min(m.resourceSelection[kind] ?? 0, total - 1)
        // The selection stays on screen: the list scrolls just enough to show it.
        let start = max(0, selected - shown + 1)
        for i in start..<min(total, start + shown) {
            let y = top + i - start
            let isSelected = i == selected
            let style = c.style(isSelected ? .selection : .text)
            if isSelected { c.text(String(repeating: " ", count: inner.width), row: y, column: inner.x, style: style) }
            var x = inner.x + 1
            for (j, (col, w)) in zip(columns, widths).enumerated() {
                let (text, role) = cell(m, kind, row: i, column: j)
                var st = style
                if !isSelected, let role { st = c.style(role) }
                c.text(TextWidth.fit(text, w, alignRight: col.alignRight, ellipsis: c.glyphs.ellipsis), row: y, column: x, style: st)
                x += w + 1
            }
        }
        if total > rows {
            let text = "\(start + 1)-\(min(total, start + shown))/\(total)"
            c.text(" \(text) ", row: r.y + r.height - 1, column: r.x + r.width - TextWidth.of(text) - 4, role: .muted)
        }
    }

    static func heading(_ kind: ResourceKind) -> (String, String) {
        switch kind {
        case .image: return ("5", "Images")
        case .volume: return ("6", "Volumes")
        case .network: return ("7", "Networks")
        }
    }

    static func emptyMessage(_ kind: ResourceKind) -> String {
        switch kind {
        case .image: return "No images: `berth pull`, `berth load` or `berth image busybox` bring one"
        case .volume: return "No volumes: `berth volume create NAME` or `run -v NAME:/path` make one"
        case .network: return "No networks"
        }
    }

    static func columns(_ kind: ResourceKind, width: Int) -> [Column] {
        switch kind {
        case .image:
            return [Column(heading: "REPOSITORY:TAG"), Column(heading: "IMAGE ID", width: 12), Column(heading: "SIZE", width: 9, alignRight: true),
                    Column(heading: "LAYERS", width: 6, alignRight: true), Column(heading: "CREATED", width: 10, alignRight: true),
                    Column(heading: "USED BY", width: 7, alignRight: true)]
        case .volume:
            return [Column(heading: "NAME"), Column(heading: "DRIVER", width: 6), Column(heading: "KIND", width: 9),
                    Column(heading: "CREATED", width: 10, alignRight: true), Column(heading: "USED BY")]
        case .network:
            return [Column(heading: "NAME", width: min(24, max(12, width / 6))), Column(heading: "SUBNET", width: 18),
                    Column(heading: "GATEWAY", width: 15), Column(heading: "INTERNAL", width: 8), Column(heading: "MEMBERS")]
        }
    }

    /// Widths: the fixed ones as given, the rest shared by the others (at least 8 cells each).
    static func layout(_ columns: [Column], width: Int) -> [Int] {
        let fixed = columns.compactMap(\.width).reduce(0, +) + columns.count - 1
        let flexible = columns.filter { $0.width == nil }.count
        let share = flexible == 0 ? 0 : max(8, (width - fixed) / flexible)
        return columns.map { $0.width ?? share }
    }

    /// "3d4h ago", from the snapshots' clock (so golden screens do not depend on the wall clock).
    static func age(_ d: Date, now: Date) -> String { Format.duration(now.timeIntervalSince(d)) + " ago" }

    /// "3 web-1, web-2, db": how many, then who.
    static func names(_ list: [String]) -> String { list.isEmpty ? "-" : "\(list.count)  " + list.joined(separator: ", ") }

    /// The text of one cell, and its colour when not the plain text colour.
    static func cell(_ m: DashboardModel, _ kind: ResourceKind, row i: Int, column j: Int) -> (String, ThemeRole?) {
        switch kind {
        case .image:
            let v = m.resources.images[i]
            switch j {
            case 0: return (v.reference, nil)
            case 1: return (String(v.id.prefix(12)), .muted)
            case 2: return (Format.bytes(v.size), nil)
            case 3: return (String(v.layers), nil)
            case 4: return (age(v.created, now: m.now), .muted)
            default: return (String(v.usedBy), v.usedBy == 0 ? .muted : .running)
            }
        case .volume:
            let v = m.resources.volumes[i]
            switch j {
            case 0: return (v.name, nil)
            case 1: return (v.driver, .muted)
            case 2: return (v.anonymous ? "anonymous" : "named", .muted)
            case 3: return (age(v.created, now: m.now), .muted)
            default: return (names(v.usedBy), v.usedBy.isEmpty ? .muted : nil)
            }
        case .network:
            let v = m.resources.networks[i]
            switch j {
            case 0: return (v.name, nil)
            case 1: return (v.subnet, nil)
            case 2: return (v.gateway, nil)
            case 3: return (v.isInternal ? "yes" : "no", v.isInternal ? .warning : .muted)
            default: return (names(v.members), v.members.isEmpty ? .muted : nil)
            }
        }
    }
}
