/// A terminal that only remembers its cell grid: what golden tests compare and the benchmark times.
public final class MemoryTerminal: Terminal {
    public struct Cell: Equatable, Sendable {
        /// Empty for the second half of a wide character.
        public var character: Character?
        public var style: CellStyle
    }

    public private(set) var size: TerminalSize
    public private(set) var cells: [Cell]
    public private(set) var flushCount = 0

    public init(columns: Int, rows: Int) {
        size = TerminalSize(columns: columns, rows: rows)
        cells = Array(repeating: Cell(character: " ", style: .plain), count: columns * rows)
    }

    public func resize(columns: Int, rows: Int) {
        size = TerminalSize(columns: columns, rows: rows)
        cells = Array(repeating: Cell(character: " ", style: .plain), count: columns * rows)
    }

    public func clear(style: CellStyle) {
        for i in cells.indices { cells[i] = Cell(character: " ", style: style) }
    }

    public func put(_ text: String, row: Int, column: Int, style: CellStyle) {
        guard row >= 0, row < size.rows else { return }
        var x = column
        let base = row * size.columns
        for c in text {
            let w = TextWidth.of(c)
            if w == 0 { continue }
            if x + w > size.columns { break }
            if x >= 0 {
                cells[base + x] = Cell(character: c, style: style)
                if w == 2 { cells[base + x + 1] = Cell(character: nil, style: style) }
            }
            x += w
        }
    }

    public func flush() { flushCount += 1 }

    /// Every control sequence written, in order (what a test of OSC 52 reads).
    public private(set) var written: [[UInt8]] = []

    public func write(_ control: [UInt8]) { written.append(control) }

    public func cell(row: Int, column: Int) -> Cell { cells[row * size.columns + column] }

    /// The screen as text, one line per row, trailing spaces kept so sizes are visible in diffs.
    public func text() -> String {
        var lines: [String] = []
        lines.reserveCapacity(size.rows)
        for r in 0..<size.rows {
            var line = ""
            for c in 0..<size.columns {
                if let ch = cells[r * size.columns + c].character { line.append(ch) }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row as text.
    public func line(_ row: Int) -> String {
        var line = ""
        for c in 0..<size.columns { if let ch = cells[row * size.columns + c].character { line.append(ch) } }
        return line
    }

    /// Where `needle` first occurs on screen, as (row, column) in cells.
    public func find(_ needle: String) -> (row: Int, column: Int)? {
        for r in 0..<size.rows {
            let l = line(r)
            if let range = l.range(of: needle) {
                return (r, TextWidth.of(String(l[..<range.lowerBound])))
            }
        }
        return nil
    }
}
