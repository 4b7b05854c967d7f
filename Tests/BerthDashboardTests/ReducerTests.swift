import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Key sequences → model state and engine calls.
final class ReducerTests: XCTestCase {
    /// Performs effects the way the run loop does, synchronously, against `engine`.
    func run(_ effects: [Effect], on m: inout DashboardModel, engine: FakeEngine, actions: DashboardActions = DashboardActions()) {
        for effect in effects {
            if case .perform(let a) = effect {
                let outcome = ActionRunner.run(a, engine: engine, actions: actions)
                run(m.update(.actionFinished(outcome)), on: &m, engine: engine, actions: actions)
            }
        }
    }

    func testStartsOnTheFirstRowAndMovesWithVimKeysAndArrows() {
        var m = Fixtures.model()
        XCTAssertEqual(m.selected?.name, "web-1")
        m.press(.char("j"), .down)
        XCTAssertEqual(m.selected?.name, "web-3")
        m.press(.char("k"))
        XCTAssertEqual(m.selected?.name, "web-2")
        m.press(.char("G"))
        XCTAssertEqual(m.selected?.name, "worker")
        // The top row is the web service's heading: selectable too.
        m.press(.char("g"))
        XCTAssertNil(m.selected)
        XCTAssertEqual(m.selectedService, "web")
        m.press(.char("j"))
        XCTAssertEqual(m.selected?.name, "web-1")
        XCTAssertNil(m.selectedService)
    }

    func testSelectionFollowsTheSameContainerAcrossResortAndRefresh() {
        var m = Fixtures.model()
        m.press(.char("j"))
        let id = m.selectedID
        m.press(.char("o"), .char("o"))
        XCTAssertEqual(m.sort, .cpu)
        XCTAssertTrue(m.sortDescending)
        XCTAssertEqual(m.selectedID, id)
        _ = m.update(.snapshot(Fixtures.snapshot(Fixtures.standard.reversed(), k: 200)))
        XCTAssertEqual(m.selectedID, id)
        m.press(.char("O"))
        XCTAssertFalse(m.sortDescending)
        XCTAssertEqual(m.selectedID, id)
    }

    func testSortOrdersByCPU() {
        var m = Fixtures.model()
        _ = m.run(command: "sort cpu")
        let cpus = m.visibleIDs.filter { m.entries[$0]?.info.service == nil }.compactMap { m.entries[$0]?.cpuPercent }
        XCTAssertEqual(cpus, cpus.sorted(by: >))
    }

    func testVanishedSelectionMovesToTheNeighbourWithoutCrashing() {
        var m = Fixtures.model()
        m.press(.char("j"))
        XCTAssertEqual(m.selected?.name, "web-2")
        let without = Fixtures.standard.filter { $0.name != "web-2" }
        let effects = m.update(.snapshot(Fixtures.snapshot(without, k: 300)))
        XCTAssertEqual(m.selected?.name, "web-3")
        XCTAssertEqual(effects, [.followLogs(m.selectedID)])
        // Stats for a container that is no longer listed are ignored.
        var snap = Fixtures.snapshot([], k: 301)
        snap.stats = Fixtures.stats(Fixtures.standard, k: 301)
        _ = m.update(.snapshot(snap))
        XCTAssertNil(m.selectedID)
        XCTAssertTrue(m.rows.isEmpty)
        _ = Golden.render(m)
    }

    func testStopRunsOnTheEngineAndReportsTheTime() {
        let engine = FakeEngine(containers: Fixtures.standard)
        var m = Fixtures.model()
        m.press(.char("j"))
        let effects = m.press(.char("s"))
        XCTAssertEqual(effects, [.perform(.stop(id: Fixtures.id(2), name: "web-2"))])
        XCTAssertEqual(m.busy[Fixtures.id(2)], "stopping")
        run(effects, on: &m, engine: engine)
        XCTAssertEqual(engine.calls, ["stop \(Fixtures.id(2)) 10"])
        XCTAssertNil(m.busy[Fixtures.id(2)])
        XCTAssertEqual(m.status?.kind, .success)
        XCTAssertTrue(m.status?.text.hasPrefix("stopped web-2 in ") ?? false, m.status?.text ?? "")
    }

    func testStartOnAStoppedContainer() {
        let engine = FakeEngine(containers: Fixtures.standard)
        var m = Fixtures.model()
        m.press(.char("G"))
        run(m.press(.char("s")), on: &m, engine: engine)
        XCTAssertEqual(engine.calls, ["start \(Fixtures.id(5))"])
    }

    func testEngineErrorsReachTheStatusBar() {
        let engine = FakeEngine(containers: Fixtures.standard)
        engine.failNext = .invalidState("container is paused")
        var m = Fixtures.model()
        run(m.press(.char("r")), on: &m, engine: engine)
        XCTAssertEqual(m.status, StatusMessage("restart web-1 failed: container is paused", .error))
    }

    func testKillAsksFirstAndNoCancels() {
        let engine = FakeEngine(containers: Fixtures.standard)
        var m = Fixtures.model()
        XCTAssertEqual(m.press(.char("K")), [])
        guard case .confirm(let p) = m.mode else { return XCTFail("expected a confirmation") }
        XCTAssertEqual(p.question, "Kill web-1 with SIGKILL?")
        run(m.press(.char("n")), on: &m, engine: engine)
        XCTAssertEqual(m.mode, .normal)
        XCTAssertEqual(engine.calls, [])
        run(m.press(.char("K"), .char("y")), on: &m, engine: engine)
        XCTAssertEqual(engine.calls, ["kill \(Fixtures.id(1)) 9"])
    }

    func testRemoveOfARunningContainerForces() {
        let engine = FakeEngine(containers: Fixtures.standard)
        var m = Fixtures.model()
        run(m.press(.char("d"), .char("y")), on: &m, engine: engine)
        XCTAssertEqual(engine.calls, ["remove \(Fixtures.id(1)) force=true"])
        m.press(.char("G"))
        run(m.press(.char("d"), .char("y")), on: &m, engine: engine)
        XCTAssertEqual(engine.calls.last, "remove \(Fixtures.id(5)) force=false")
    }

    func testASecondActionWhileBusyIsRefused() {
        var m = Fixtures.model()
        XCTAssertEqual(m.press(.char("s")).count, 1)
        XCTAssertEqual(m.press(.char("r")), [])
        XCTAssertEqual(m.status?.kind, .error)
    }

    func testFilterSubstringRegexAndInvert() {
        var m = Fixtures.model()
        m.press(.char("/"))
        m.type("db")
        XCTAssertEqual(m.visibleIDs.map { m.entries[$0]!.name }, ["db"])
        m.press(.enter)
        XCTAssertEqual(m.mode, .normal)
        XCTAssertEqual(m.selected?.name, "db")
        m.press(.char("/"), .ctrl("u"))
        m.type("^web-[13]$")
        XCTAssertEqual(m.visibleIDs.map { m.entries[$0]!.name }, ["web-1", "web-3"])
        m.press(.ctrl("u"))
        m.type("!web")
        XCTAssertFalse(m.visibleIDs.contains { m.entries[$0]!.name.hasPrefix("web") })
        XCTAssertEqual(m.visibleIDs.count, 4)
        m.press(.escape)
        XCTAssertEqual(m.visibleIDs.count, 7)
    }

    func testToggleAllHidesExited() {
        var m = Fixtures.model()
        m.press(.char("a"))
        XCTAssertFalse(m.showAll)
        XCTAssertFalse(m.visibleIDs.contains { m.entries[$0]!.info.state.status == .exited })
        XCTAssertTrue(m.visibleIDs.contains { m.entries[$0]!.name == "migrate" })
        m.press(.char("a"))
        XCTAssertEqual(m.visibleIDs.count, 7)
    }

    func testServicesAreGroupedUnderAHeading() {
        let m = Fixtures.model()
        XCTAssertEqual(m.rows.first, .service(name: "web", replicas: 3, running: 3))
        XCTAssertEqual(m.rows.count, 8)
    }

    func testServiceHeadingCountsRunningAgainstDesired() {
        var m = Fixtures.model()
        var snap = Fixtures.snapshot(Fixtures.standard, k: 100)
        snap.desired = ["web": 5]
        _ = m.update(.snapshot(snap))
        XCTAssertEqual(m.rows.first, .service(name: "web", replicas: 5, running: 3), "scaling to 5: 3 of 5 run so far")
    }

    func testCommandLineActionsAndHistory() {
        let engine = FakeEngine(containers: Fixtures.standard)
        var m = Fixtures.model()
        m.press(.char(":"))
        m.type("stop web-2")
        let effects = m.press(.enter)
        XCTAssertEqual(effects, [.perform(.stop(id: Fixtures.id(2), name: "web-2"))])
        run(effects, on: &m, engine: engine)
        m.press(.char(":"))
        m.type("theme nord")
        m.press(.enter)
        XCTAssertEqual(m.theme.name, "nord")
        m.press(.char(":"))
        m.type("sort mem")
        m.press(.enter)
        XCTAssertEqual(m.sort, .memory)
        m.press(.char(":"), .up)
        XCTAssertEqual(m.mode, .command("sort mem"))
        m.press(.up)
        XCTAssertEqual(m.mode, .command("theme nord"))
        m.press(.down, .down)
        XCTAssertEqual(m.mode, .command(""))
        m.press(.escape)
        XCTAssertEqual(m.commandHistory, ["stop web-2", "theme nord", "sort mem"])
        m.press(.char(":"))
        m.type("stop nosuch")
        XCTAssertEqual(m.press(.enter), [])
        XCTAssertEqual(m.status, StatusMessage("no such container: nosuch (nothing done)", .error))
    }

    func testScaleAndExecAreRefusedWhenNotWired() {
        var m = Fixtures.model()
        XCTAssertEqual(m.press(.char("+")), [])
        XCTAssertEqual(m.status, StatusMessage("this dashboard was started without scaling; run `berth top` to scale services", .error))
        m.press(.char(":"))
        m.type("scale web=4")
        XCTAssertEqual(m.press(.enter), [])
        XCTAssertEqual(m.status, StatusMessage("this dashboard was started without scaling; run `berth top` to scale services", .error))
        XCTAssertEqual(m.press(.char("e")), [])
        XCTAssertEqual(m.status, StatusMessage("this dashboard was started without exec; run `berth top` or `berth exec -it NAME sh`", .error))
    }

    func testScaleAndExecWhenWired() {
        let engine = FakeEngine(containers: Fixtures.standard)
        let scaled = LockedBox<[String]>([])
        let actions = DashboardActions(scale: { s, n in scaled.mutate { $0.append("\(s)=\(n)") } }, exec: { _ in .returned })
        var m = Fixtures.model(available: ActionAvailability(scale: true, exec: true))
        run(m.press(.char("+")), on: &m, engine: engine, actions: actions)
        run(m.press(.char("-")), on: &m, engine: engine, actions: actions)
        m.press(.char(":"))
        m.type("scale web=0")
        run(m.press(.enter), on: &m, engine: engine, actions: actions)
        // `-` goes on from the 4 just asked for, not from the 3 of a snapshot taken before it.
        XCTAssertEqual(scaled.value, ["web=4", "web=3", "web=0"])
        XCTAssertEqual(m.press(.char("e")), [.exec(id: Fixtures.id(1), name: "web-1")])
        m.press(.char("G"))
        XCTAssertEqual(m.press(.char("+")), [])
        XCTAssertEqual(m.status?.text, "the selected container is not part of a service")
    }

    func testPaneFocusTabNumbersAndMouse() {
        var m = Fixtures.model()
        m.press(.tab)
        XCTAssertEqual(m.focus, .detail)
        m.press(.tab)
        XCTAssertEqual(m.focus, .logs)
        m.press(.backTab)
        XCTAssertEqual(m.focus, .detail)
        m.press(.char("1"))
        XCTAssertEqual(m.focus, .containers)
        m.press(.char("3"))
        XCTAssertEqual(m.focus, .logs)
        // Click the db row: the table starts at row 2, its headings at row 3, rows after.
        let dbRow = 2 + 2 + m.rows.firstIndex(of: .container(id: Fixtures.id(4)))!
        let effects = m.update(.mouse(MouseEvent(kind: .click, row: dbRow, column: 10)))
        XCTAssertEqual(m.focus, .containers)
        XCTAssertEqual(m.selected?.name, "db")
        XCTAssertEqual(effects, [.followLogs(Fixtures.id(4))])
        _ = m.update(.mouse(MouseEvent(kind: .wheelDown, row: dbRow, column: 10)))
        XCTAssertEqual(m.selected?.name, "worker")
    }

    func testLogsKeys() {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(500), reset: true))
        m.press(.char("3"))
        m.press(.char("T"), .char("w"), .char("v"))
        XCTAssertTrue(m.logs.showTimestamps)
        XCTAssertTrue(m.logs.wrap)
        XCTAssertEqual(m.logs.stream, .stdout)
        XCTAssertEqual(m.logs.visibleLines.count, 400)
        m.press(.pageUp)
        XCTAssertFalse(m.logs.follow)
        XCTAssertGreaterThan(m.logs.scrollFromBottom, 10)
        let scrolled = m.logs.scrollFromBottom
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(5), reset: false))
        XCTAssertEqual(m.logs.scrollFromBottom, scrolled + 4, "new stdout lines must not move what the user reads")
        m.press(.char("G"))
        XCTAssertTrue(m.logs.follow)
        XCTAssertEqual(m.logs.scrollFromBottom, 0)
        m.press(.char("g"))
        XCTAssertEqual(m.logs.scrollFromBottom, m.logs.visibleLines.count - m.layout.logRows)
        m.press(.char("z"))
        XCTAssertTrue(m.logsFullscreen)
        XCTAssertNil(m.layout.containers)
        m.press(.escape)
        XCTAssertFalse(m.logsFullscreen)
    }

    func testLogSearchWithNextAndPrevious() {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(100), reset: true))
        m.press(.char("3"), .char("/"))
        m.type("items/2")
        m.press(.enter)
        let lines = m.logs.visibleLines
        // Line 29 is on stderr, so the newest match is 28.
        XCTAssertEqual(lines[m.logs.matchIndex!].text, "10.88.0.1 - GET /api/items/28 HTTP/1.1 200 540")
        XCTAssertEqual(m.status?.text, "match 9 of 9 · n older, N newer")
        m.press(.char("n"))
        XCTAssertTrue(lines[m.logs.matchIndex!].text.contains("items/27"))
        m.press(.char("N"))
        XCTAssertTrue(lines[m.logs.matchIndex!].text.contains("items/28"))
        XCTAssertFalse(m.logs.follow)
    }

    /// One rule with the inspect view: a search goes on the way it was started. `/` starts up
    /// (older: the pane opens at the newest line); ^R in the prompt turns it down, and then `n`
    /// goes to newer lines and `N` to older — under the old rule `n` always went older.
    func testLogSearchStartedNewerGoesOnNewer() {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(100), reset: true))
        m.press(.char("3"), .char("g"), .char("/"), .ctrl("r"))
        m.type("items/2")
        XCTAssertEqual(m.mode, .logSearch("items/2", .down))
        XCTAssertTrue(Golden.render(m).text().contains("search newer: items/2"))
        m.press(.enter)
        let lines = m.logs.visibleLines
        XCTAssertEqual(m.logs.searchDirection, .down)
        XCTAssertEqual(lines[m.logs.matchIndex!].text, "10.88.0.2 - GET /api/items/2 HTTP/1.1 200 514", "the oldest match first")
        XCTAssertEqual(m.status?.text, "match 1 of 9 · n newer, N older")
        m.press(.char("n"))
        XCTAssertTrue(lines[m.logs.matchIndex!].text.contains("items/20 "), "n goes on newer")
        m.press(.char("N"))
        XCTAssertTrue(lines[m.logs.matchIndex!].text.contains("items/2 "), "N goes back older")
        XCTAssertTrue(Golden.render(m).text().contains("/items/2 (newer)"), "the title says which way")
        // A new `/` starts up again.
        m.press(.char("/"))
        XCTAssertEqual(m.mode, .logSearch("items/2", .up))
    }

    func testLogRegexSearchMatchesTheMessageAndAnInvalidOneSaysSo() {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: m.selectedID!, lines: Fixtures.logLines(100), reset: true))
        m.press(.char("3"), .char("/"))
        m.type("re:items/(1|3)2 http")
        m.press(.enter)
        let lines = m.logs.visibleLines
        XCTAssertEqual(lines[m.logs.matchIndex!].text, "10.88.0.5 - GET /api/items/32 HTTP/1.1 200 544", "case ignored, newest first")
        XCTAssertEqual(m.status?.text, "match 2 of 2 · n older, N newer")
        m.press(.char("n"))
        XCTAssertTrue(lines[m.logs.matchIndex!].text.contains("items/12 "))
        // Invalid: said while typing and at Enter, one line, controls escaped; nothing is searched.
        m.press(.char("/"), .ctrl("u"))
        m.type("re:[\u{1b}x")
        XCTAssertEqual(m.status?.kind, .error)
        m.press(.backspace, .backspace)
        XCTAssertEqual(m.status?.kind, .error, "re:[ is still invalid")
        m.press(.backspace)
        XCTAssertNil(m.status, "re: alone is no regex yet: the message goes")
        m.type("[\u{1b}x")
        XCTAssertEqual(m.status?.kind, .error)
        let effects = m.press(.enter)
        XCTAssertEqual(effects, [])
        XCTAssertEqual(m.status?.kind, .error)
        let text = m.status!.text
        XCTAssertTrue(text.hasPrefix("invalid regex '[\\x1bx': "), text)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text)
        XCTAssertNil(m.logs.searching)
        // A back-reference could take forever: refused.
        m.press(.char("/"), .ctrl("u"))
        m.type("re:(a*)*\\1")
        m.press(.enter)
        XCTAssertTrue(m.status!.text.contains("back-references"), m.status!.text)
    }

    func testLogLinesForAnotherContainerAreIgnored() {
        var m = Fixtures.model()
        _ = m.update(.logLines(id: "other", lines: Fixtures.logLines(3), reset: true))
        XCTAssertTrue(m.logs.lines.isEmpty)
    }

    func testHelpOpensAndClosesAndQuit() {
        var m = Fixtures.model()
        m.press(.char("?"))
        XCTAssertEqual(m.mode, .help(scroll: 0))
        m.press(.char("j"))
        XCTAssertEqual(m.mode, .help(scroll: 1))
        m.press(.escape)
        XCTAssertEqual(m.mode, .normal)
        XCTAssertEqual(m.press(.char("q")), [.quit])
        XCTAssertTrue(m.quitRequested)
        var n = Fixtures.model()
        XCTAssertEqual(n.press(.ctrl("c")), [.quit])
        var o = Fixtures.model()
        o.press(.char("/"))
        XCTAssertEqual(o.press(.ctrl("c")), [.quit], "Ctrl-C quits even while typing")
    }

    func testThemeCyclesThroughTheCatalog() {
        var m = Fixtures.model()
        var seen: [String] = [m.theme.name]
        for _ in 0..<6 { m.press(.char("t")); seen.append(m.theme.name) }
        XCTAssertEqual(seen, ["default", "light", "high-contrast", "nord", "gruvbox", "solarized-dark", "default"])
    }

    func testResizeToTooSmallAndBack() {
        var m = Fixtures.model()
        _ = m.update(.resize(TerminalSize(columns: 70, rows: 20)))
        XCTAssertTrue(m.layout.tooSmall)
        XCTAssertNotNil(Golden.render(m).find("Terminal too small: 70×20."))
        _ = m.update(.resize(TerminalSize(columns: 80, rows: 24)))
        XCTAssertTrue(m.layout.compact)
        XCTAssertFalse(m.layout.tooSmall)
    }

    func testHostCPUFromTwoSamples() {
        let m = Fixtures.model(samples: 3)
        XCTAssertEqual(m.hostCPUPercent ?? 0, 15, accuracy: 0.001)
    }

    func testSampleErrorKeepsRows() {
        var m = Fixtures.model()
        _ = m.update(.snapshot(EngineSnapshot(containers: [], stats: [], host: Fixtures.host, takenAt: Fixtures.t0, error: "state dir unreadable")))
        XCTAssertEqual(m.entries.count, 7)
        XCTAssertEqual(m.sampleError, "state dir unreadable")
    }
}

/// A tiny thread-safe box for closures that must be @Sendable.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ v: T) { _value = v }
    var value: T { lock.withLock { _value } }
    func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&_value) } }
}
