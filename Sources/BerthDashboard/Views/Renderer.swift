/// Draws a whole frame of the model. Pure apart from writing to the terminal: the same model on the
/// same size always produces the same cells (what golden tests rely on).
public enum Renderer {
    public static func render(_ m: DashboardModel, on terminal: any Terminal) {
        let c = Canvas(terminal: terminal, palette: m.palette, glyphs: m.glyphs)
        terminal.clear(style: c.style(.background))
        let layout = m.layout
        if layout.tooSmall {
            let s = m.size
            let lines = ["Terminal too small: \(s.columns)×\(s.rows).",
                         "Berth needs at least \(Layout.minimum.columns)×\(Layout.minimum.rows).", "Press q to quit."]
            for (i, l) in lines.enumerated() {
                let text = c.glyphs.unicode ? l : l.replacingOccurrences(of: "×", with: "x")
                let x = max(0, (s.columns - TextWidth.of(text)) / 2)
                c.text(text, row: max(0, s.rows / 2 - 1) + i, column: x, width: s.columns, role: i == 0 ? .warning : .text)
            }
            terminal.flush()
            return
        }
        HeaderView.draw(m, in: layout.header, on: c)
        if m.view == .events {
            EventsPane.draw(m, in: layout.body, on: c)
        } else if m.view == .inspect {
            InspectPane.draw(m, in: layout.body, on: c)
        } else if m.view == .processes {
            ProcessesPane.draw(m, in: layout.body, on: c)
        } else if let kind = m.view.resourceKind {
            ResourcesPane.draw(m, kind, in: layout.body, on: c)
        } else {
            if let r = layout.containers { ContainersPane.draw(m, in: r, on: c) }
            if let r = layout.detail { DetailPane.draw(m, in: r, on: c) }
            if let r = layout.logs { LogsPane.draw(m, in: r, on: c) }
        }
        StatusBar.draw(m, in: layout.status, on: c)
        switch m.mode {
        case .help(let scroll): HelpOverlay.draw(m, scroll: scroll, on: c)
        case .confirm(let p): ConfirmDialog.draw(p, in: m.size, on: c)
        default: break
        }
        terminal.flush()
    }
}
