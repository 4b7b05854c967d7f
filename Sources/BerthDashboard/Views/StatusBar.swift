/// The bottom line: an input prompt while typing, else the last message and the focused pane's
/// key hints (taken from the key table, so they always match the keys).
enum StatusBar {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        c.fill(r, style: c.style(.statusBar))
        let width = r.width
        func prompt(_ p: String, _ text: String, _ hint: String) {
            let line = "\(p)\(text)"
            c.text(line + "_", row: r.y, column: r.x, width: width, role: .input)
            let hx = TextWidth.of(line) + 3
            if hx < width { c.text(hint, row: r.y, column: r.x + hx, width: width - hx, role: .statusBar) }
        }
        switch m.mode {
        case .filter(let t): prompt("/", t, "text or regex, ! inverts · Enter keep · Esc clear"); return
        case .command(let t): prompt(":", t, "Enter run · Esc cancel · ↑↓ history"); return
        case .logSearch(let t, let d):
            let way = m.view == .inspect ? d.inDocument : d.inLogs
            prompt("search \(way): ", t, "re:PATTERN for a regex · Enter find · ^R reverse · Esc cancel"); return
        case .confirm(let p): c.text(" \(p.question) [y/N]", row: r.y, column: r.x, width: width, role: .warning); return
        default: break
        }
        var x = r.x
        // Keys act on the marks, not the selection, while there are any: always say so.
        if !m.marked.isEmpty {
            var st = c.style(.warning)
            st.background = c.style(.statusBar).background
            let text = " \(m.glyphs.marked) \(m.marked.count) marked "
            c.text(text, row: r.y, column: x, style: st)
            x += TextWidth.of(text)
        }
        if let s = m.status {
            let role: ThemeRole = s.kind == .error ? .error : (s.kind == .success ? .success : .statusBar)
            var st = c.style(role)
            st.background = c.style(.statusBar).background
            let text = " " + TextWidth.truncate(s.text, to: max(10, width / 2), ellipsis: c.glyphs.ellipsis) + " "
            c.text(text, row: r.y, column: x, style: st)
            x += TextWidth.of(text) + 1
        }
        // Help and quit are what a lost user needs: their hints keep their room at the end, and
        // the pane's other hints fill what is left before them.
        let all = hints(m)
        let pinned = all.filter { Self.pinned.contains($0.action) }
        func need(_ h: Hint) -> Int { TextWidth.of(h.keys) + TextWidth.of(h.label) + 2 }
        let pinnedWidth = pinned.reduce(0) { $0 + need($1) }
        for h in all where !Self.pinned.contains(h.action) {
            guard x + need(h) + pinnedWidth <= r.x + width else { break }
            draw(h)
        }
        for h in pinned where x + need(h) <= r.x + width { draw(h) }

        func draw(_ h: Hint) {
            c.text(" " + h.keys, row: r.y, column: x, role: .keyHint)
            c.text(" " + h.label, row: r.y, column: x + TextWidth.of(h.keys) + 1, role: .statusBar)
            x += need(h)
        }
    }

    static let pinned: Set<KeyAction> = [.help, .quit]

    struct Hint {
        var action: KeyAction
        var keys: String
        var label: String
    }

    /// The focused pane's key hints, from the key table.
    static func hints(_ m: DashboardModel) -> [Hint] {
        let own = m.view.scope
        let events = own != nil
        let scope = own ?? m.focus.scope
        var out = m.keys.bindings.filter {
            $0.hint != nil && ($0.scope == scope || $0.scope == .global) && !$0.keys.isEmpty && (!events || $0.scope == scope || $0.action.worksInListViews)
        }
        .sorted { ($0.scope == .global ? 1 : 0) < ($1.scope == .global ? 1 : 0) }
        .map { Hint(action: $0.action, keys: $0.keys[0].label(unicode: m.glyphs.unicode), label: $0.hint!) }
        // The way back, first: the containers key.
        if events, let back = m.keys.keys(for: .focusContainers).first {
            out.insert(Hint(action: .focusContainers, keys: back.label(unicode: m.glyphs.unicode), label: "containers"), at: 0)
        }
        return out
    }
}
