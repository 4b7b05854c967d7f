/// Drawing helpers over a `Terminal` with the model's palette and glyphs, so views speak in roles
/// and rectangles rather than colours and coordinates.
struct Canvas {
    let terminal: any Terminal
    let palette: Palette
    let glyphs: Glyphs

    func style(_ role: ThemeRole) -> CellStyle { palette.style(role) }

    /// Text clipped to `width` cells (the rest of the line is left alone). Control characters
    /// (a container's command or an error message may hold newlines) show as spaces: written to
    /// curses, a newline would clear the rest of the row, borders included, and move to the next.
    func text(_ s: String, row: Int, column: Int, width: Int? = nil, style: CellStyle) {
        var s = Canvas.printable(s)
        if !glyphs.unicode { s = Canvas.asciiPunctuation(s) }
        if let width {
            guard width > 0 else { return }
            terminal.put(TextWidth.truncate(s, to: width, ellipsis: glyphs.ellipsis), row: row, column: column, style: style)
        } else {
            terminal.put(s, row: row, column: column, style: style)
        }
    }

    /// A table cell: `s` in exactly `width` cells, cut with the ellipsis or padded with spaces
    /// (on the left when `alignRight`). Made printable (and ASCII) before it is measured, so what
    /// is fitted is what is drawn: a control character or a bidi mark in a name becomes one space,
    /// and a cell never spills into the next column or over the border.
    func cell(_ s: String, row: Int, column: Int, width: Int, alignRight: Bool = false, style: CellStyle) {
        guard width > 0 else { return }
        var s = Canvas.printable(s)
        if !glyphs.unicode { s = Canvas.asciiPunctuation(s) }
        terminal.put(TextWidth.fit(s, width, alignRight: alignRight, ellipsis: glyphs.ellipsis), row: row, column: column, style: style)
    }

    /// The typographic characters of Berth's own strings, in ASCII for terminals without UTF-8.
    /// Text from containers (names, logs) passes unchanged except for these.
    static func asciiPunctuation(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value > 0x7f }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "·": out += "-"
            case "…": out += "..."
            case "↑": out += "^"
            case "↓": out += "v"
            case "≥": out += ">="
            case "≤": out += "<="
            case "×": out += "x"
            case "→": out += "->"
            case "▲": out += "^"
            case "▼": out += "v"
            default: out.append(c)
            }
        }
        return out
    }

    /// `s` with every character the terminal must not get (`TextWidth.isDisplayable`: controls,
    /// DEL, bidi overrides) replaced by a space, so one character is one cell and the row reads as
    /// it is. Cheap for plain ASCII (the usual case).
    static func printable(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return s }
        guard s.unicodeScalars.contains(where: { !TextWidth.isDisplayable($0.value) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            out.append(TextWidth.isDisplayable(u.value) ? u : " ")
        }
        return String(out)
    }

    func text(_ s: String, row: Int, column: Int, width: Int? = nil, role: ThemeRole) {
        text(s, row: row, column: column, width: width, style: style(role))
    }

    /// Fills a rectangle with spaces in `style`.
    func fill(_ r: Rect, style: CellStyle) {
        guard r.width > 0 else { return }
        let blank = String(repeating: " ", count: r.width)
        for y in r.y..<(r.y + r.height) { terminal.put(blank, row: y, column: r.x, style: style) }
    }

    /// A bordered box with a title in the top edge; the focused pane's border stands out.
    func box(_ r: Rect, title: String, focused: Bool, background: ThemeRole = .background) {
        guard r.width >= 2, r.height >= 2 else { return }
        fill(r.inner, style: style(background))
        var border = style(focused ? .borderFocused : .border)
        border.background = style(background).background
        let h = String(repeating: glyphs.horizontal, count: r.width - 2)
        terminal.put("\(glyphs.topLeft)\(h)\(glyphs.topRight)", row: r.y, column: r.x, style: border)
        for y in (r.y + 1)..<(r.y + r.height - 1) {
            terminal.put(String(glyphs.vertical), row: y, column: r.x, style: border)
            terminal.put(String(glyphs.vertical), row: y, column: r.x + r.width - 1, style: border)
        }
        terminal.put("\(glyphs.bottomLeft)\(h)\(glyphs.bottomRight)", row: r.y + r.height - 1, column: r.x, style: border)
        var t = style(focused ? .title : .columnHeader)
        t.background = style(background).background
        text(" \(title) ", row: r.y, column: r.x + 2, width: r.width - 4, style: t)
    }
}
