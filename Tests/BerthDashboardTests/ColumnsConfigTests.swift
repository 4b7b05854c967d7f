@testable import BerthDashboard
import XCTest

/// `columns:` in config.yaml: the containers table shows exactly those columns, in that order.
final class ColumnsConfigTests: XCTestCase {
    func testTheListIsParsedAndBadNamesAreReportedWithTheirLine() throws {
        let c = try DashboardConfig.parse("columns: [up, NAME, mem, cpu-graph]\n", file: "c")
        XCTAssertEqual(c.columns, [.uptime, .name, .memory, .spark])
        XCTAssertTrue(c.problems.isEmpty)
        for (text, reason) in [("theme: nord\ncolumns: [name, colour]\n", "unknown column 'colour'"),
                               ("columns: [cpu, cpu]\n", "column 'cpu' is listed twice"),
                               ("columns: []\n", "at least one column")] {
            let bad = try DashboardConfig.parse(text, file: "c")
            XCTAssertNil(bad.columns, text)
            XCTAssertTrue(bad.problems.first?.reason.contains(reason) ?? false, "\(text): \(bad.problems)")
            XCTAssertNotNil(bad.problems.first?.line)
        }
    }

    func testTheTableShowsThemInOrderWithStateAndNameAlwaysThere() throws {
        let cols = ContainersPane.columns(width: 118, chosen: [.memory, .uptime, .cpu])
        XCTAssertEqual(cols.map(\.0), [.state, .name, .memory, .uptime, .cpu])
        XCTAssertEqual(cols.map(\.1).reduce(0, +) + cols.count - 1, 118, "the spare width goes to the name")
        // Too narrow for all: the last ones go.
        let narrow = ContainersPane.columns(width: 40, chosen: [.image, .cpu, .memory, .net, .io])
        XCTAssertEqual(narrow.map(\.0), [.state, .name, .image, .cpu])

        var m = Fixtures.model(samples: 3)
        m.columns = [.uptime, .pids, .name]
        let screen = Golden.render(m).text()
        let heading = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("UP/EXIT") }.map(String.init), screen)
        let up = try XCTUnwrap(heading.range(of: "UP/EXIT")), pids = try XCTUnwrap(heading.range(of: "PIDS")), name = try XCTUnwrap(heading.range(of: "NAME"))
        XCTAssertTrue(up.lowerBound < pids.lowerBound && pids.lowerBound < name.lowerBound, heading)
        XCTAssertFalse(heading.contains("IMAGE") || heading.contains("CPU") || heading.contains("MEM"), heading)
    }
}
