import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// The inspect view (`i`): the selected container's inspect document, read off the UI thread,
/// scrolled, searched with `/`, `n` and `N`.
final class InspectViewTests: XCTestCase {
    /// What the fake engine's `inspectDocument` gives for the selection, plus a hostile label.
    func document(_ m: DashboardModel) throws -> String {
        var info = try XCTUnwrap(m.selected?.info)
        info.labels["evil"] = "\u{1b}]0;owned\u{7}\u{1b}[2J"
        return try FakeEngine(containers: [info]).inspectDocument(info.id)
    }

    func opened(columns: Int = 120, rows: Int = 40, mode: ColorMode = .truecolor, unicode: Bool = true) throws -> DashboardModel {
        var m = Fixtures.model(columns: columns, rows: rows, samples: 3, mode: mode, unicode: unicode)
        let id = try XCTUnwrap(m.selectedID)
        XCTAssertEqual(m.press(.char("i")), [.loadInspect(id: id)])
        XCTAssertEqual(m.view, .inspect)
        XCTAssertTrue(Golden.render(m).text().contains(unicode ? "reading…" : "reading..."))
        _ = m.update(.inspected(id: id, document: try document(m), error: nil))
        return m
    }

    func testIOpensTheDocumentAndEscComesBack() throws {
        var m = try opened()
        XCTAssertGreaterThan(m.inspect.lines.count, 20)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("Inspect \(m.inspect.name)"), screen)
        XCTAssertTrue(screen.contains("\"Labels\""), screen)
        XCTAssertFalse(screen.contains("\u{1b}"), "control characters reach the terminal as spaces")
        // A late answer for another container is dropped.
        _ = m.update(.inspected(id: "other", document: "{}", error: nil))
        XCTAssertGreaterThan(m.inspect.lines.count, 20)
        m.press(.char("G"))
        XCTAssertEqual(m.inspect.scroll, m.inspect.lines.count - m.layout.bodyLines)
        m.press(.char("g"), .char("j"))
        XCTAssertEqual(m.inspect.scroll, 1)
        // Container keys do nothing here.
        XCTAssertEqual(m.press(.char("s"), .char("K"), .char("d")), [])
        XCTAssertEqual(m.mode, .normal)
        m.press(.escape)
        XCTAssertEqual(m.view, .containers)
    }

    func testSearchJumpsBetweenMatchesAndWraps() throws {
        var m = try opened(columns: 80, rows: 24)
        m.press(.char("/")); m.type("status"); m.press(.enter)
        let matches = m.inspect.matches
        XCTAssertGreaterThanOrEqual(matches.count, 1)
        XCTAssertEqual(m.inspect.matchLine, matches.first)
        XCTAssertEqual(m.status?.text, "match 1 of \(matches.count) · n down, N up")
        for _ in matches { m.press(.char("n")) }
        XCTAssertEqual(m.inspect.matchLine, matches.first, "n wraps around")
        m.press(.char("N"))
        XCTAssertEqual(m.inspect.matchLine, matches.last)
        m.press(.char("/")); m.type("no-such-text"); m.press(.enter)
        XCTAssertEqual(m.status?.kind, .error)
    }

    /// The search keeps the way it was started: after ^R (up), `n` goes up and `N` down — under
    /// the old rule `n` always went down.
    func testASearchStartedUpwardsGoesOnUpwards() throws {
        var m = try opened(columns: 80, rows: 24)
        m.press(.char("/"), .ctrl("r")); m.type("running")
        XCTAssertEqual(m.mode, .logSearch("running", .up))
        XCTAssertTrue(Golden.render(m).text().contains("search up: running"))
        m.press(.enter)
        let matches = m.inspect.matches
        XCTAssertGreaterThanOrEqual(matches.count, 2, "the fixture's document has State.Running and State.Status")
        XCTAssertEqual(m.inspect.matchLine, matches.last, "up from the top wraps to the last match")
        XCTAssertEqual(m.status?.text, "match \(matches.count) of \(matches.count) · n up, N down")
        m.press(.char("n"))
        XCTAssertEqual(m.inspect.matchLine, matches[matches.count - 2])
        m.press(.char("N"))
        XCTAssertEqual(m.inspect.matchLine, matches.last)
        XCTAssertTrue(Golden.render(m).text().contains("/running (up)"), "the title says which way")
    }

    func testARegexSearchAndAnInvalidOne() throws {
        var m = try opened(columns: 80, rows: 24)
        m.press(.char("/")); m.type("re:\"(Status|Running)\": "); m.press(.enter)
        let matches = m.inspect.matches
        XCTAssertGreaterThanOrEqual(matches.count, 2)
        XCTAssertTrue(matches.allSatisfy { m.inspect.lines[$0].contains("\"Status\": ") || m.inspect.lines[$0].contains("\"Running\": ") })
        m.press(.char("/"), .ctrl("u")); m.type("re:(unclosed")
        XCTAssertEqual(m.status?.kind, .error, "said while typing")
        m.press(.enter)
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertTrue(m.status!.text.hasPrefix("invalid regex '(unclosed': "), m.status!.text)
    }

    func testAFailureAndAHeadingSaySo() throws {
        var m = Fixtures.model(samples: 3)
        let id = try XCTUnwrap(m.selectedID)
        m.press(.char("i"))
        _ = m.update(.inspected(id: id, document: nil, error: "no such container: x"))
        XCTAssertTrue(Golden.render(m).text().contains("could not inspect"))
        m.press(.char("1"), .char("g"))
        if m.selectedService != nil {
            XCTAssertEqual(m.press(.char("i")), [])
            XCTAssertEqual(m.status?.kind, .error)
            XCTAssertEqual(m.view, .containers)
        }
    }

    func testScreens() throws {
        try Golden.assertMatrix("inspect") { s in
            var m = try opened(columns: s.columns, rows: s.rows, mode: s.mode, unicode: s.unicode)
            m.press(.char("/")); m.type("running"); m.press(.enter)
            return m
        }
    }
}
