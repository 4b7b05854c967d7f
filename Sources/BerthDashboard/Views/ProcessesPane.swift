/// The processes view (`P`): the selected container's processes, live — host PID, parent, uid,
/// state, CPU % over the last interval, resident memory, threads and command line; the selected
/// process (for `x` and `K`) in the selection colour.
enum ProcessesPane {
    static let columns: [Table.Column] = [
        .init(heading: "PID", width: 7, alignRight: true), .init(heading: "PPID", width: 7, alignRight: true),
        .init(heading: "UID", width: 6, alignRight: true), .init(heading: "S", width: 1),
        .init(heading: "CPU", width: 6, alignRight: true), .init(heading: "RSS", width: 7, alignRight: true),
        .init(heading: "THR", width: 3, alignRight: true), .init(heading: "COMMAND"),
    ]

    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        let s = m.processes
        let count = s.rows.count
        c.box(r, title: "Processes \(s.name) \(count)", focused: true)
        let inner = r.inner
        guard inner.height > 1, inner.width > 40 else { return }
        if s.loading || s.error != nil || s.rows.isEmpty {
            let text = s.error.map { "could not list the processes of \(s.name): \($0)" } ?? (s.loading ? "reading…" : "no processes")
            c.text(text, row: inner.y + 1, column: inner.x + 2, width: inner.width - 3, role: s.error == nil ? .muted : .error)
        }
        let top = s.error == nil ? inner.y + 1 : inner.y + 2
        Table.draw(columns, count: count, scroll: .selected(min(s.selection, max(0, count - 1))), top: top, in: r, on: c) { i, j in
            cell(s.rows[i], column: j)
        }
    }

    /// The text of one cell, and its colour when not the plain text colour.
    static func cell(_ row: ProcessRow, column j: Int) -> (String, ThemeRole?) {
        let p = row.sample
        switch j {
        case 0: return (String(p.pid), nil)
        case 1: return (String(p.parentPID), .muted)
        case 2: return (String(p.uid), p.uid == 0 ? .warning : .muted)
        case 3: return (String(p.state), p.state == "Z" || p.state == "D" ? .error : (p.state == "R" ? .running : .muted))
        case 4: return (row.cpuPercent.map(Format.percent) ?? "-", nil)
        case 5: return (Format.bytes(p.residentBytes), nil)
        case 6: return (String(p.threads), .muted)
        default: return (p.command, nil)
        }
    }
}
