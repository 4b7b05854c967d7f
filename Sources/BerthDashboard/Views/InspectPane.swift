import BerthRuntime

/// The inspect view (`i`): the selected container's inspect document, scrolled, the search
/// matches in the search colour and the current one in the selection colour.
enum InspectPane {
    static func draw(_ m: DashboardModel, in r: Rect, on c: Canvas) {
        let s = m.inspect
        var title = "Inspect \(s.name)"
        if !s.search.isEmpty { title += "  /\(s.search) (\(s.searchDirection.inDocument))" }
        c.box(r, title: title, focused: true)
        let inner = r.inner
        guard inner.height > 0, inner.width > 4 else { return }
        if s.loading || s.error != nil || s.lines.isEmpty {
            let text = s.error.map { "could not inspect \(s.name): \($0)" } ?? (s.loading ? "reading…" : "empty document")
            c.text(text, row: inner.y, column: inner.x + 1, width: inner.width - 2, role: s.error == nil ? .muted : .error)
            return
        }
        let matcher = s.search.isEmpty ? nil : try? LogPattern(term: s.search).matcher()
        let start = min(s.scroll, max(0, s.lines.count - 1))
        for (i, line) in s.lines.dropFirst(start).prefix(inner.height).enumerated() {
            let index = start + i
            let role: ThemeRole = index == s.matchLine ? .selection
                : (matcher?.matches(line) == true ? .searchMatch : .text)
            c.text(line, row: inner.y + i, column: inner.x + 1, width: inner.width - 2, role: role)
        }
        PositionHint(first: start, room: inner.height, total: s.lines.count).draw(on: r, c)
    }
}
