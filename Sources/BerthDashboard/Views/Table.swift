/// A table inside a bordered pane, as the images, volumes, networks, processes and events views
/// draw it: headings on the first row of the pane's inside, then one row a line from `top` to the
/// bottom, each cell fitted to its column (`Canvas.cell`), the selected row across the whole width
/// in the selection colour, and the `PositionHint` on the border when rows are hidden.
enum Table {
    /// A column: heading, width (nil: shares what the fixed ones leave), right-aligned; a shared
    /// column that fits its content takes no more than its widest cell, and what it leaves goes
    /// to the other shared columns (on a 250-column terminal a name column does not stretch
    /// across the screen with the figures pushed to its far edge).
    struct Column {
        var heading: String
        var width: Int?
        var alignRight = false
        var fitContent = false
    }

    /// The most rows whose cells a fitting column measures (the resource lists are short; a long
    /// list is measured by its first rows).
    static let measuredRows = 2000

    /// Which rows are on screen.
    enum Scroll: Equatable {
        /// This row is selected, and the list scrolls just enough to keep it on screen.
        case selected(Int)
        /// Nothing is selected; the list starts at this row.
        case from(Int)
    }

    /// Widths: the fixed ones as given, the rest shared by the others (at least 8 cells each); a
    /// fitting column gets at most `natural[j]` (its widest cell or heading), and what it leaves is
    /// shared by the shared columns that do not fit their content.
    static func layout(_ columns: [Column], width: Int, natural: [Int] = []) -> [Int] {
        let fixed = columns.compactMap(\.width).reduce(0, +) + columns.count - 1
        let flexible = columns.indices.filter { columns[$0].width == nil }
        guard !flexible.isEmpty else { return columns.map { $0.width ?? 0 } }
        let share = max(8, (width - fixed) / flexible.count)
        var widths = columns.map { $0.width ?? share }
        var spare = 0
        for j in flexible where columns[j].fitContent && j < natural.count && natural[j] < share {
            widths[j] = max(min(8, share), natural[j])
            spare += share - widths[j]
        }
        let takers = flexible.filter { !columns[$0].fitContent }
        for j in takers { widths[j] += spare / takers.count }
        return widths
    }

    /// The first row on screen for `scroll` with room for `room` rows: a selection past the first
    /// screen sits on the last line, so moving down scrolls one row at a time.
    static func firstRow(_ scroll: Scroll, room: Int) -> Int {
        switch scroll {
        case .selected(let row): return max(0, row - room + 1)
        case .from(let row): return max(0, row)
        }
    }

    /// Draws the headings and `count` rows of `columns` in `box` (the pane's outer rectangle,
    /// already boxed); rows start on line `top`, below the headings and any message the pane
    /// wrote there. `cell(row, column)` gives a cell's text and its colour when not plain text
    /// (the selected row is all in the selection colour).
    static func draw(_ columns: [Column], count: Int, scroll: Scroll, top: Int, in box: Rect, on c: Canvas,
                     cell: (_ row: Int, _ column: Int) -> (String, ThemeRole?)) {
        let inner = box.inner
        var natural: [Int] = []
        if columns.contains(where: \.fitContent) {
            natural = columns.enumerated().map { j, col in
                guard col.fitContent else { return 0 }
                return (0..<min(count, measuredRows)).reduce(TextWidth.of(col.heading)) { max($0, TextWidth.of(cell($1, j).0)) }
            }
        }
        let widths = layout(columns, width: inner.width - 2, natural: natural)
        // A cell never reaches the right margin: the flexible columns' minimum of 8 may add up to
        // more than a narrow pane holds.
        let right = inner.x + inner.width - 1
        var x = inner.x + 1
        for (col, w) in zip(columns, widths) where right - x > 0 {
            c.cell(col.heading, row: inner.y, column: x, width: min(w, right - x), alignRight: col.alignRight, style: c.style(.columnHeader))
            x += w + 1
        }
        let room = max(0, inner.y + inner.height - top)
        let first = firstRow(scroll, room: room)
        let selected: Int? = if case .selected(let row) = scroll { row } else { nil }
        for i in first..<max(first, min(count, first + room)) {
            let y = top + i - first
            let isSelected = i == selected
            let style = c.style(isSelected ? .selection : .text)
            if isSelected { c.text(String(repeating: " ", count: inner.width), row: y, column: inner.x, style: style) }
            var x = inner.x + 1
            for (j, (col, w)) in zip(columns, widths).enumerated() where right - x > 0 {
                let (text, role) = cell(i, j)
                var st = style
                if !isSelected, let role { st = c.style(role) }
                c.cell(text, row: y, column: x, width: min(w, right - x), alignRight: col.alignRight, style: st)
                x += w + 1
            }
        }
        PositionHint(first: first, room: room, total: count).draw(on: box, c)
    }
}
