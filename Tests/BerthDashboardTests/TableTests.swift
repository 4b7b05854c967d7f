@testable import BerthDashboard
import XCTest

/// The one table drawer (`Table`) and position hint (`PositionHint`) every list pane uses:
/// scrolling that keeps the selection on screen, the `N-M/T` hint at the edges, and cells that fit
/// their columns whatever a name holds (wide, zero-width and control characters).
final class TableTests: XCTestCase {
    /// A 30×8 screen with the standard palette; the box is the whole screen (inside: 28×6).
    func canvas(ascii: Bool = false) -> (MemoryTerminal, Canvas) {
        let m = Fixtures.model(columns: 80, rows: 24, samples: 1)
        let t = MemoryTerminal(columns: 30, rows: 8)
        let c = Canvas(terminal: t, palette: m.palette, glyphs: ascii ? .ascii : .unicode)
        t.clear(style: c.style(.background))
        c.box(box, title: "T", focused: true)
        return (t, c)
    }

    let box = Rect(x: 0, y: 0, width: 30, height: 8)
    /// Cells from column 2: A (6 wide), B (4, right-aligned), C (what is left: 14).
    let columns: [Table.Column] = [.init(heading: "NAME", width: 6), .init(heading: "N", width: 4, alignRight: true), .init(heading: "REST")]

    /// The screen row as cells: a wide character followed by "_" for its second half.
    func cells(_ t: MemoryTerminal, _ row: Int) -> String {
        var s = ""
        for x in 0..<t.size.columns { s.append(t.cell(row: row, column: x).character ?? "_") }
        return s
    }

    /// The box's bottom edge, with the hint when there is one.
    func bottom(_ c: Canvas, hint: String?) -> String {
        let g = c.glyphs
        guard let hint else { return "\(g.bottomLeft)" + String(repeating: g.horizontal, count: 28) + "\(g.bottomRight)" }
        return "\(g.bottomLeft)" + String(repeating: g.horizontal, count: 28 - hint.count - 3) + " \(hint) \(g.horizontal)\(g.bottomRight)"
    }

    func testTheSelectionIsAlwaysOnScreen() {
        for room in 1...6 {
            for selected in 0..<40 {
                let first = Table.firstRow(.selected(selected), room: room)
                XCTAssert(first <= selected && selected < first + room, "room \(room), selected \(selected): first \(first)")
                XCTAssertEqual(first == 0, selected < room, "the list scrolls only once the selection is past the first screen")
            }
        }
        XCTAssertEqual(Table.firstRow(.from(7), room: 3), 7)
        XCTAssertEqual(Table.firstRow(.from(-2), room: 3), 0)
    }

    func testDrawnRowsFollowTheSelectionAndTheHintSaysWhere() {
        for (selected, shown, hint) in [(0, 0...3, "1-4/10"), (3, 0...3, "1-4/10"), (7, 4...7, "5-8/10"), (9, 6...9, "7-10/10")] {
            let (t, c) = canvas()
            // Inside rows 1-6: headings on 1, a message line on 2, rows from 3: room for 4.
            Table.draw(columns, count: 10, scroll: .selected(selected), top: 3, in: box, on: c) { i, j in (j == 0 ? "row\(i)" : "", nil) }
            XCTAssertEqual(t.line(1), "│ NAME      N REST           │")
            for (y, i) in zip(3...6, shown) {
                XCTAssertTrue(t.line(y).hasPrefix("│ row\(i) "), "line \(y) for selected \(selected): \(t.line(y))")
                let style = t.cell(row: y, column: 1).style
                XCTAssertEqual(style, c.style(i == selected ? .selection : .background), "the selected row is filled across the pane")
                XCTAssertEqual(t.cell(row: y, column: 2).style, c.style(i == selected ? .selection : .text))
            }
            XCTAssertEqual(t.line(7), bottom(c, hint: hint), "selected \(selected)")
        }
    }

    func testNothingHiddenNoHint() {
        for count in [0, 3, 4] {
            let (t, c) = canvas()
            Table.draw(columns, count: count, scroll: .selected(max(0, count - 1)), top: 3, in: box, on: c) { i, _ in ("r\(i)", nil) }
            XCTAssertEqual(t.line(7), bottom(c, hint: nil), "count \(count)")
            XCTAssertEqual(t.line(1), "│ NAME      N REST           │", "the headings are drawn even with no rows")
        }
    }

    func testHintTextAtTheEdges() {
        XCTAssertEqual(PositionHint(first: 0, room: 4, total: 10).text, "1-4/10")
        XCTAssertEqual(PositionHint(first: 6, room: 4, total: 10).text, "7-10/10")
        XCTAssertEqual(PositionHint(first: 9, room: 4, total: 10).text, "10-10/10", "a list scrolled to its last row")
        XCTAssertEqual(PositionHint(first: 0, room: 1, total: 2).text, "1-1/2")
        XCTAssertNil(PositionHint(first: 0, room: 4, total: 4).text, "everything fits")
        XCTAssertNil(PositionHint(first: 0, room: 4, total: 0).text)
        XCTAssertNil(PositionHint(first: 0, room: 0, total: 5).text, "no room: no range to name")
    }

    func testAScrolledListWithoutSelection() {
        let (t, c) = canvas()
        Table.draw(columns, count: 20, scroll: .from(15), top: 2, in: box, on: c) { i, j in (j == 0 ? "e\(i)" : "", j == 0 ? .muted : nil) }
        XCTAssertTrue(t.line(2).hasPrefix("│ e15 "), t.line(2))
        XCTAssertTrue(t.line(6).hasPrefix("│ e19 "), t.line(6))
        XCTAssertEqual(t.cell(row: 2, column: 2).style, c.style(.muted), "a cell's own colour")
        XCTAssertEqual(t.cell(row: 2, column: 9).style, c.style(.text), "plain text where the cell has none")
        XCTAssertTrue(t.line(7).contains(" 16-20/20 "), t.line(7))
    }

    /// Every cell is exactly its column's width on screen, whatever it holds: the separators and
    /// the border stay where they are.
    func testCellsFitTheirColumnsWithWideZeroWidthAndControlCharacters() {
        let rows: [[String]] = [
            ["名前名前", "12345", "ok"],
            ["a\nb", "\u{202E}x", "e\u{301}\u{200B}z"],
            ["\r\n名\t", "\u{1b}[1m", "\r\n名\u{200F}x\u{7f}"],
            ["\u{1b}]0;owned\u{7}", "\u{85}", String(repeating: "字", count: 9)],
        ]
        let (t, c) = canvas()
        Table.draw(columns, count: rows.count, scroll: .from(0), top: 2, in: box, on: c) { i, j in (rows[i][j], nil) }
        XCTAssertEqual(cells(t, 2), "│ 名_前_…  123… ok             │")
        XCTAssertEqual(cells(t, 3), "│ a b       x éz             │")
        XCTAssertEqual(cells(t, 4), "│   名_    [1m   名_ x         │")
        XCTAssertEqual(cells(t, 5), "│  ]0;o…      字_字_字_字_字_字_…  │")
        for y in 2...5 {
            for x in [8, 13, 28] { XCTAssertEqual(t.cell(row: y, column: x).character, " ", "row \(y) column \(x): \(cells(t, y))") }
            XCTAssertEqual(t.cell(row: y, column: 29).character, "│", "the border stays: \(cells(t, y))")
        }
        for y in 0..<8 {
            XCTAssertFalse(t.line(y).unicodeScalars.contains { !TextWidth.isDisplayable($0.value) }, "nothing the terminal must not get: \(cells(t, y))")
        }
    }

    /// On a wide pane a column that fits its content stops at its widest cell; what it leaves
    /// goes to the shared column that does not fit (none: it stays empty at the right), and on a
    /// narrow pane it shares as before.
    func testAFittingColumnLeavesTheSpareWidthToTheOthers() {
        let cols: [Table.Column] = [.init(heading: "NAME", fitContent: true), .init(heading: "SIZE", width: 6), .init(heading: "USED BY")]
        XCTAssertEqual(Table.layout(cols, width: 200, natural: [20, 0, 0]), [20, 6, 172])
        XCTAssertEqual(Table.layout(cols, width: 40, natural: [30, 0, 0]), [16, 6, 16], "narrow: both share")
        let alone: [Table.Column] = [.init(heading: "REPOSITORY:TAG", fitContent: true), .init(heading: "ID", width: 12)]
        XCTAssertEqual(Table.layout(alone, width: 240, natural: [27, 0]), [27, 12])
        XCTAssertEqual(Table.layout(alone, width: 240, natural: [3, 0]), [8, 12], "never below 8 cells")
        XCTAssertEqual(Table.layout(alone, width: 240), [227, 12], "no measure given: it shares")
    }

    /// Three flexible columns take at least 8 cells each, more than the 28 inside the box with
    /// a fixed one beside them: the cells stop at the right margin, the border stays.
    func testColumnsWiderThanThePaneStopAtItsMargin() {
        let wide: [Table.Column] = [.init(heading: "FIXED", width: 6), .init(heading: "ONE"), .init(heading: "TWO"), .init(heading: "THREE")]
        XCTAssertGreaterThan(Table.layout(wide, width: 26).reduce(0, +) + wide.count - 1, 26, "the layout overflows")
        let (t, c) = canvas()
        Table.draw(wide, count: 2, scroll: .selected(0), top: 2, in: box, on: c) { i, j in (String(repeating: "x", count: 12) + "\(i)\(j)", nil) }
        for y in 1...3 {
            XCTAssertEqual(t.cell(row: y, column: 29).character, "│", "the border stays: \(cells(t, y))")
            XCTAssertEqual(t.cell(row: y, column: 28).character, " ", "the margin stays: \(cells(t, y))")
        }
    }

    func testASCIIScreensCutWithTheirOwnEllipsis() {
        let (t, c) = canvas(ascii: true)
        let columns: [Table.Column] = [.init(heading: "REPOSITORY", width: 6), .init(heading: "REST")]
        Table.draw(columns, count: 1, scroll: .selected(0), top: 2, in: box, on: c) { _, j in (j == 0 ? "a…b≥c·d" : "→x", nil) }
        XCTAssertEqual(t.line(1), "| REPOS~ REST                |")
        XCTAssertEqual(t.line(2), "| a...b~ ->x                 |", "punctuation in ASCII is measured as drawn")
    }
}
