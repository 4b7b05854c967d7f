/// The `?` overlay, generated from the key table so it lists exactly the keys that work.
enum HelpOverlay {
    /// The keys of the view on screen: in a list view (events, images, volumes, networks) its own
    /// table and the global keys that work there; else everything but the list views' own.
    static func lines(_ m: DashboardModel) -> [(String, String, Bool)] {
        var out: [(String, String, Bool)] = []
        let own = m.view.scope
        let scopes: [KeyScope] = own.map { [$0, .global] } ?? KeyScope.allCases.filter { !$0.isListView }
        for scope in scopes {
            let bindings = m.keys.bindings.filter {
                $0.scope == scope && (own == nil || scope == own || $0.action.worksInListViews)
            }
            guard !bindings.isEmpty else { continue }
            if !out.isEmpty { out.append(("", "", false)) }
            out.append((scope.title, "", true))
            for b in bindings {
                let keys = b.keys.map { $0.label(unicode: m.glyphs.unicode) }.joined(separator: " ")
                out.append((keys.isEmpty ? "(unbound)" : keys, b.help, false))
            }
        }
        if own == nil, !m.customCommands.isEmpty {
            out.append(("", "", false))
            out.append(("Your commands (config.yaml)", "", true))
            for c in m.customCommands {
                let scope = c.scope == .container ? " on the selection" : ""
                out.append((c.key.label(unicode: m.glyphs.unicode), "\(c.name)\(scope)\(c.confirm ? " (asks first)" : "")\(c.background ? " in the background" : ""): \(c.command)", false))
            }
        }
        out.append(("", "", false))
        out.append(("In prompts", "", true))
        out.append(("Enter", "Accept", false))
        out.append(("Esc", "Cancel (in the table: clear filter, leave full screen)", false))
        out.append(("^U ^W", "Clear the line / the last word", false))
        return out
    }

    static func draw(_ m: DashboardModel, scroll: Int, on c: Canvas) {
        let all = lines(m)
        let w = min(m.size.columns - 4, 78)
        let h = min(m.size.rows - 2, all.count + 2)
        let r = Rect(x: (m.size.columns - w) / 2, y: (m.size.rows - h) / 2, width: w, height: h)
        c.box(r, title: "Help · keys (Esc closes, j/k scroll)", focused: true, background: .dialog)
        let inner = r.inner
        let start = max(0, min(scroll, all.count - inner.height))
        for (i, (keys, text, heading)) in all.dropFirst(start).prefix(inner.height).enumerated() {
            let y = inner.y + i
            if heading {
                var s = c.style(.title); s.background = c.style(.dialog).background
                c.text(keys, row: y, column: inner.x + 1, width: inner.width - 2, style: s)
            } else {
                var k = c.style(.keyHint); k.background = c.style(.dialog).background
                c.text(TextWidth.fit(keys, 14), row: y, column: inner.x + 2, style: k)
                c.text(text, row: y, column: inner.x + 17, width: inner.width - 18, role: .dialog)
            }
        }
    }
}

/// The question before a destructive action.
enum ConfirmDialog {
    static func draw(_ p: PendingConfirmation, in size: TerminalSize, on c: Canvas) {
        let w = min(size.columns - 4, max(40, TextWidth.of(p.question) + 6))
        let r = Rect(x: (size.columns - w) / 2, y: size.rows / 2 - 2, width: w, height: 5)
        c.box(r, title: "Confirm", focused: true, background: .dialog)
        c.text(p.question, row: r.y + 1, column: r.x + 2, width: w - 4, role: .dialog)
        var s = c.style(.keyHint); s.background = c.style(.dialog).background
        c.text("y", row: r.y + 3, column: r.x + 2, style: s)
        c.text(" yes   any other key: no", row: r.y + 3, column: r.x + 3, width: w - 5, role: .dialog)
    }
}
