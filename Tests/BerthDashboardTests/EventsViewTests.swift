import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// The events view (`4`, `:events`): the journal newest first, its own keys, its `/` filter.
final class EventsViewTests: XCTestCase {
    static func event(_ action: String, _ n: Int, _ name: String, _ attributes: [String: String] = [:], seconds: Double) -> Event {
        Event(time: Int64((Fixtures.t0.timeIntervalSince1970 + seconds) * 1e9), action: action, id: Fixtures.id(n), name: name,
              attributes: attributes.merging(["name": name, "image": "docker.io/library/nginx:1.27"]) { a, _ in a })
    }

    /// A day's worth of the fixtures' lives, oldest first.
    static let journal: [Event] = {
        var out: [Event] = []
        var t = -300.0
        func add(_ a: String, _ n: Int, _ name: String, _ attrs: [String: String] = [:]) { out.append(event(a, n, name, attrs, seconds: t)); t += 7 }
        for (n, name) in [(1, "web-1"), (2, "web-2"), (3, "web-3"), (4, "db")] {
            add("create", n, name, ["berth.service": n < 4 ? "web" : "", "tier": "front"].filter { !$0.value.isEmpty }); add("start", n, name)
        }
        add("create", 5, "worker"); add("start", 5, "worker"); add("oom", 5, "worker"); add("die", 5, "worker", ["exitCode": "137", "signal": "9"])
        add("kill", 2, "web-2", ["signal": "15"]); add("die", 2, "web-2", ["exitCode": "0"]); add("stop", 2, "web-2"); add("start", 2, "web-2"); add("restart", 2, "web-2")
        add("update", 4, "db", ["memory": "1073741824"]); add("pause", 1, "web-1"); add("unpause", 1, "web-1")
        add("create", 6, "cron"); add("start", 6, "cron"); add("die", 6, "cron", ["exitCode": "0"])
        add("rename", 7, "migrate", ["oldName": "migrate-old"])
        return out
    }()

    func model(columns: Int = 120, rows: Int = 40, mode: ColorMode = .truecolor, unicode: Bool = true) -> DashboardModel {
        var m = Fixtures.model(columns: columns, rows: rows, samples: 3, mode: mode, unicode: unicode)
        _ = m.update(.journal(Self.journal))
        return m
    }

    func testFourOpensTheViewNewestFirstAndOneGoesBack() {
        var m = model()
        XCTAssertEqual(m.press(.char("4")), [])
        XCTAssertEqual(m.view, .events)
        XCTAssertEqual(m.shownEvents.first?.action, "rename")
        XCTAssertEqual(m.shownEvents.count, Self.journal.count)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("4 Events \(Self.journal.count)/\(Self.journal.count)"), screen)
        XCTAssertFalse(screen.contains("1 Containers"), screen)
        m.press(.char("1"))
        XCTAssertEqual(m.view, .containers)
        XCTAssertEqual(m.focus, .containers)
        // :events and :containers do the same.
        m.press(.char(":")); m.type("events"); m.press(.enter)
        XCTAssertEqual(m.view, .events)
        m.press(.char(":")); m.type("containers"); m.press(.enter)
        XCTAssertEqual(m.view, .containers)
        // Esc leaves the view too.
        m.press(.char("4"), .escape)
        XCTAssertEqual(m.view, .containers)
    }

    /// Nothing acts on a container the view does not show: s r K d p + - e space do nothing there.
    func testContainerKeysDoNothingInTheEventsView() {
        var m = model()
        m.press(.char("4"))
        for k in ["s", "r", "K", "d", "p", "+", "-", "e", " ", "l", "o", "a"] {
            XCTAssertEqual(m.press(.char(Character(k))), [], "key \(k)")
            XCTAssertEqual(m.mode, .normal, "key \(k)")
        }
        XCTAssertTrue(m.busy.isEmpty)
        XCTAssertTrue(m.marked.isEmpty)
        XCTAssertEqual(m.view, .events)
    }

    func testSlashFiltersByContainerActionOrAttribute() {
        var m = model()
        m.press(.char("4"), .char("/"))
        m.type("web-2")
        XCTAssertEqual(Set(m.shownEvents.map(\.name)), ["web-2"])
        XCTAssertEqual(m.shownEvents.map(\.action), ["restart", "start", "stop", "die", "kill", "start", "create"])
        m.press(.enter)
        XCTAssertEqual(m.mode, .normal)
        XCTAssertTrue(Golden.render(m).text().contains("4 Events 7/\(Self.journal.count)  /web-2"))
        // An attribute, a regex over actions, an inverted filter.
        m.press(.char("/"), .ctrl("u")); m.type("exitCode=137"); m.press(.enter)
        XCTAssertEqual(m.shownEvents.map(\.action), ["die"])
        m.press(.char("/"), .ctrl("u")); m.type("^(oom|die)$"); m.press(.enter)
        XCTAssertEqual(m.shownEvents.map(\.action), ["die", "die", "die", "oom"])
        m.press(.char("/"), .ctrl("u")); m.type("!web"); m.press(.enter)
        XCTAssertFalse(m.shownEvents.contains { $0.name.hasPrefix("web") })
        // Esc clears the filter first, then leaves the view.
        m.press(.escape)
        XCTAssertTrue(m.eventsFilter.isEmpty)
        XCTAssertEqual(m.view, .events)
        m.press(.escape)
        XCTAssertEqual(m.view, .containers)
        // The containers' own filter was never touched.
        XCTAssertTrue(m.filter.isEmpty)
    }

    func testScrollingKeepsItsPlaceWhileEventsArrive() {
        var m = model(columns: 80, rows: 24)
        m.press(.char("4"), .char("j"), .char("j"))
        XCTAssertEqual(m.eventsScroll, 2)
        let top = m.shownEvents[2]
        _ = m.update(.journal([Self.event("start", 9, "late", seconds: 10)]))
        XCTAssertEqual(m.shownEvents[m.eventsScroll], top, "the line read stays on top")
        m.press(.char("G"))
        XCTAssertEqual(m.eventsScroll, m.shownEvents.count - 1)
        m.press(.char("g"))
        XCTAssertEqual(m.eventsScroll, 0)
        XCTAssertEqual(Golden.render(m).text().contains("late"), true)
    }

    func testTheRingKeepsTheNewest() {
        var m = model()
        let many = (0..<(DashboardModel.recentEventsCapacity + 10)).map { Self.event("pause", 1, "web-1", seconds: Double($0)) }
        _ = m.update(.journal(many))
        XCTAssertEqual(m.recentEvents.count, DashboardModel.recentEventsCapacity)
        XCTAssertEqual(m.shownEvents.first?.time, many.last?.time)
    }

    /// `?` in the events view lists its own keys and the global ones that work there, no more.
    func testHelpListsTheEventsViewsKeys() {
        var m = model()
        m.press(.char("4"))
        let lines = HelpOverlay.lines(m)
        let texts = lines.map(\.1)
        XCTAssertEqual(lines.first?.0, "Events view")
        XCTAssertTrue(texts.contains { $0.hasPrefix("Filter by container, action or attribute") })
        XCTAssertTrue(texts.contains("Containers pane"))
        XCTAssertFalse(texts.contains { $0.hasPrefix("Start or stop") }, "\(texts)")
        XCTAssertFalse(texts.contains { $0.hasPrefix("Kill") })
        // And the containers view's help does not list the events view's filter.
        m.press(.char("1"))
        XCTAssertFalse(HelpOverlay.lines(m).contains { $0.1.hasPrefix("Filter by container, action") })
        XCTAssertTrue(HelpOverlay.lines(m).contains { $0.1.hasPrefix("Events view") })
        XCTAssertTrue(KeyTable.standard.clashes().isEmpty)
    }

    /// Hostile: a name or attribute from the journal with escape sequences is drawn inert.
    func testHostileEventTextIsDrawnInert() {
        var m = model()
        _ = m.update(.journal([Self.event("create", 9, "evil\u{1b}[2J", ["label\u{1b}]0;x\u{7}": "v\u{9b}31m"], seconds: 20)]))
        m.press(.char("4"))
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("evil"), screen)
        XCTAssertFalse(screen.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x80..<0xa0).contains($0.value) }, screen)
    }

    func testEventsGoldens() {
        Golden.assertMatrix("events") { s in
            var m = model(columns: s.columns, rows: s.rows, mode: s.mode, unicode: s.unicode)
            m.press(.char("4"))
            return m
        }
    }

    func testEventsGolden80x24() {
        var m = model(columns: 80, rows: 24)
        m.press(.char("4"), .char("/"))
        m.type("web")
        m.press(.enter)
        Golden.assertScreen(m, "events-filtered-80x24")
    }

    /// Without UTF-8 the new screens stay ASCII: the events view, a folded heading selected, a
    /// crash loop's mark and history.
    func testTheNewScreensAreASCIIWithoutUTF8() {
        let infos = Fixtures.standard.map { c -> ContainerInfo in
            var c = c
            if c.name == "db" { c.state.status = .restarting }
            return c
        }
        var m = Fixtures.model(infos, mode: .mono, unicode: false)
        _ = m.update(.journal(Self.journal + TimelineTests.crashLoop(4, from: 40).map { // the model's clock is 89 s past t0
            Event(time: $0.time, action: $0.action, id: Fixtures.id(4), name: "db", attributes: $0.attributes)
        }))
        func assertASCII(_ what: String, line: UInt = #line) {
            let screen = Golden.render(m).text()
            XCTAssertFalse(screen.unicodeScalars.contains { $0.value > 0x7f }, "non-ASCII in \(what):\n\(screen)", line: line)
        }
        m.press(.char("4"))
        assertASCII("the events view")
        m.press(.char("1"), .char("g"), .char("z"))
        assertASCII("a folded heading")
        XCTAssertTrue(Golden.render(m).text().contains("> web  3/3 running"))
        m.press(.char("j"), .char("j"))
        XCTAssertEqual(m.selected?.name, "db")
        assertASCII("a crash loop")
        XCTAssertTrue(Golden.render(m).text().contains("loop x4"))
        m.press(.char("2"), .end, .end)
        assertASCII("the history")
        XCTAssertTrue(Golden.render(m).text().contains("exit 1, restarted x4"))
    }
}
