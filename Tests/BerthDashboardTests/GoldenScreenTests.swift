import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Whole screens for fixed snapshots, compared with the text in Golden/.
final class GoldenScreenTests: XCTestCase {
    func withLogs(_ m: inout DashboardModel, _ n: Int = 60) {
        guard let id = m.selectedID else { return }
        _ = m.update(.logLines(id: id, lines: Fixtures.logLines(n), reset: true))
    }

    /// The containers view with its logs, in every size and mode (its 80×24 and 120×40 screens
    /// keep their older names).
    func testContainersView() {
        Golden.assertMatrix("containers", names: ["80x24": "compact-80x24", "120x40": "overview-120x40"]) { s in
            var m = Fixtures.model(columns: s.columns, rows: s.rows, mode: s.mode, unicode: s.unicode)
            withLogs(&m)
            return m
        }
    }

    func testCompactLogsFocused80x24() {
        var m = Fixtures.model(columns: 80, rows: 24)
        withLogs(&m)
        m.press(.char("3"), .char("T"))
        Golden.assertScreen(m, "compact-logs-80x24")
    }

    func testWide200x50() {
        var m = Fixtures.model(columns: 200, rows: 50)
        withLogs(&m, 200)
        m.press(.char("j"), .char("j"))
        withLogs(&m, 200)
        Golden.assertScreen(m, "wide-200x50")
    }

    func testASCIIMono120x40() {
        var m = Fixtures.model(mode: .mono, unicode: false)
        withLogs(&m)
        Golden.assertScreen(m, "ascii-mono-120x40")
        // Without UTF-8 every cell must be ASCII, Berth's own punctuation included.
        let screen = Golden.render(m).text()
        XCTAssertFalse(screen.unicodeScalars.contains { $0.value > 0x7f }, "non-ASCII in ASCII mode")
    }

    func testBlockGraphsNordTheme() {
        var m = Fixtures.model(theme: "nord", mode: .color256)
        m.press(.char("b"))
        XCTAssertEqual(m.graphStyle, .block)
        Golden.assertScreen(m, "block-nord-120x40")
    }

    /// TERM=xterm or screen (colors#8): the default theme in the eight base colours, states in
    /// their ANSI meaning, nothing drawn in its background's colour; the header says "8 colours".
    func testEightColours() {
        var m = Fixtures.model(mode: .color8)
        withLogs(&m)
        Golden.assertScreen(m, "default-8colours-120x40")
        XCTAssertTrue(Golden.render(m).text().contains("(8 colours)"))
    }

    func testSixteenColoursGruvbox() {
        var m = Fixtures.model(theme: "gruvbox", mode: .color16)
        withLogs(&m)
        Golden.assertScreen(m, "gruvbox-16colours-120x40")
    }

    func testEmpty80x24() {
        let m = Fixtures.model([], columns: 80, rows: 24, samples: 2)
        Golden.assertScreen(m, "empty-80x24")
    }

    func testTwoHundredContainers() {
        let many = (1...200).map { i in
            Fixtures.container(i + 10, String(format: "svc%02d-%03d", i % 7, i), service: i % 3 == 0 ? "api" : nil,
                               status: i % 11 == 0 ? .exited : .running, exitCode: i % 11 == 0 ? 1 : nil)
        }
        var m = Fixtures.model(many, samples: 5)
        for _ in 0..<57 { m.press(.char("j")) }
        Golden.assertScreen(m, "many-200-120x40")
    }

    func testVeryLongNames() {
        let long = [
            Fixtures.container(1, "a-container-with-an-extremely-long-name-that-never-ends-0123456789",
                               image: "registry.example.com:5000/team/project/subproject/image-with-long-name:v1.2.3-rc4+build567",
                               service: "a-service-with-a-rather-long-name-too"),
            Fixtures.container(2, "短い名前-コンテナ", image: "docker.io/library/busybox:latest"),
        ]
        var m = Fixtures.model(long, samples: 3)
        _ = m.update(.logLines(id: m.selectedID!, lines: [LogLine(timestampNanos: 0, stream: .stdout,
                     text: String(repeating: "very long line ", count: 2000))], reset: true))
        Golden.assertScreen(m, "long-names-120x40")
    }

    func testHelpOverlay() {
        var m = Fixtures.model()
        m.press(.char("?"))
        Golden.assertScreen(m, "help-120x40")
    }

    func testConfirmKill() {
        var m = Fixtures.model()
        m.press(.char("K"))
        Golden.assertScreen(m, "confirm-kill-120x40")
    }

    func testFullScreenWrappedLogs() {
        var m = Fixtures.model(columns: 80, rows: 24)
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(30) + [
            LogLine(timestampNanos: 0, stream: .stderr, text: "panic: " + String(repeating: "stack frame ", count: 20)),
        ], reset: true))
        m.press(.char("3"), .char("z"), .char("w"))
        Golden.assertScreen(m, "logs-fullscreen-wrap-80x24")
    }

    func testTooSmall() {
        let m = Fixtures.model(columns: 60, rows: 20, samples: 2)
        Golden.assertScreen(m, "too-small-60x20")
    }

    func testFilterPrompt() {
        var m = Fixtures.model()
        m.press(.char("/"))
        m.type("web-[12]")
        Golden.assertScreen(m, "filter-prompt-120x40")
    }
}
