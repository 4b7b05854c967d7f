import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Colours and attributes of rendered cells: what the text goldens cannot show.
final class RenderStyleTests: XCTestCase {
    func testStderrLinesUseTheStderrRole() throws {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(10), reset: true))
        let t = Golden.render(m)
        let pos = try XCTUnwrap(t.find("warn: upstream timed out after 9 ms"))
        XCTAssertEqual(t.cell(row: pos.row, column: pos.column).style, m.palette.style(.logStderr))
        let out = try XCTUnwrap(t.find("GET /api/items/8"))
        XCTAssertEqual(t.cell(row: out.row, column: out.column).style, m.palette.style(.logStdout))
        XCTAssertNotEqual(m.palette.style(.logStderr), m.palette.style(.logStdout))
    }

    /// A running container's health: `unhealthy` in the error colour where the uptime would be,
    /// `… starting` in the warning colour, and a Health line in the detail pane; healthy is plain.
    func testHealthMarksInTheTableAndDetail() throws {
        var infos = Fixtures.standard
        infos[0].state.health = "healthy"
        infos[1].state.health = "unhealthy"
        infos[3].state.health = "starting"
        let m = Fixtures.model(infos)
        let t = Golden.render(m)
        let sick = try XCTUnwrap(t.find("unhealthy"))
        XCTAssertEqual(t.cell(row: sick.row, column: sick.column).style.foreground, m.palette.style(.error).foreground)
        let starting = try XCTUnwrap(t.find("starting"))
        XCTAssertEqual(t.cell(row: starting.row, column: starting.column).style.foreground, m.palette.style(.warning).foreground)
        let row = try XCTUnwrap(t.find("web-1")).row
        XCTAssertFalse(t.text().split(separator: "\n", omittingEmptySubsequences: false)[row].contains("healthy"),
                       "healthy is the normal case: no mark in the table")
        let entry = try XCTUnwrap(m.selected)
        XCTAssertEqual(DetailPane.facts(entry, m).first { $0.0 == "Health" }?.1, "healthy", "the detail pane says it")
    }

    func testMonoModeHasNoColoursAndSelectionIsReverse() throws {
        let m = Fixtures.model(mode: .mono)
        let t = Golden.render(m)
        for cell in t.cells {
            XCTAssertEqual(cell.style.foreground, .terminalDefault)
            XCTAssertEqual(cell.style.background, .terminalDefault)
        }
        let sel = try XCTUnwrap(m.selected)
        let pos = try XCTUnwrap(t.find(sel.name))
        XCTAssertTrue(t.cell(row: pos.row, column: pos.column).style.attributes.contains(.reverse))
    }

    func test256ModeUsesOnlyPaletteIndexes() {
        let m = Fixtures.model(theme: "gruvbox", mode: .color256)
        let t = Golden.render(m)
        for cell in t.cells {
            if case .rgb = cell.style.foreground { XCTFail("rgb colour in 256-colour mode") }
            if case .rgb = cell.style.background { XCTFail("rgb colour in 256-colour mode") }
        }
    }

    func testThemeChangesColoursNotText() {
        var m = Fixtures.model()
        let before = Golden.render(m)
        m.press(.char("t"))
        XCTAssertEqual(m.theme.name, "light")
        let after = Golden.render(m)
        XCTAssertNotEqual(before.cell(row: 0, column: 0).style, after.cell(row: 0, column: 0).style)
        XCTAssertEqual(before.line(5), after.line(5))
    }

    func testSearchMatchesAreHighlighted() throws {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(20), reset: true))
        m.press(.char("3"), .char("/"))
        m.type("items/1")
        m.press(.enter)
        let t = Golden.render(m)
        let pos = try XCTUnwrap(t.find("items/17"))
        let style = t.cell(row: pos.row, column: pos.column).style
        XCTAssertTrue(style == m.palette.style(.searchMatch) || style == m.palette.style(.selection))
    }

    /// Correctness only; the frame time is berth-bench's to measure (a timing bound here fails under load).
    func testRenderingTwoHundredContainers() {
        let many = (1...200).map { Fixtures.container($0 + 10, "c\($0)") }
        let m = Fixtures.model(many, samples: 60)
        let t = MemoryTerminal(columns: 200, rows: 50)
        Dashboard.renderFrame(m, on: t)
        let first = t.text()
        for _ in 0..<20 { Dashboard.renderFrame(m, on: t) }
        XCTAssertEqual(t.flushCount, 21)
        XCTAssertEqual(t.text(), first, "the same model renders the same frame")
        XCTAssertTrue(first.contains("c1 "), "the first container is listed")
    }
}
