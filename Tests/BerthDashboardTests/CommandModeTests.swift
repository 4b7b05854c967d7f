import BerthRuntime
@testable import BerthDashboard
import XCTest

/// The `:` command line as docs/dashboard.md lists it, typed key by key into the reducer, with
/// engine calls performed on a `FakeEngine` the way the run loop performs them.
final class CommandModeTests: XCTestCase {
    let engine = FakeEngine(containers: Fixtures.standard)
    var m = Fixtures.model()

    /// Types `:LINE` and Enter; performs what it asks of the engine (as the run loop does).
    @discardableResult
    func command(_ line: String) -> [Effect] {
        m.press(.char(":"))
        m.type(line)
        let effects = m.press(.enter)
        perform(effects)
        return effects
    }

    func perform(_ effects: [Effect]) {
        for effect in effects {
            if case .perform(let a) = effect {
                perform(m.update(.actionFinished(ActionRunner.run(a, engine: engine, actions: DashboardActions()))))
            }
        }
    }

    func names(_ ids: [String]) -> [String] { ids.compactMap { m.entries[$0]?.name } }

    /// Names of the containers shown that belong to no service, in display order.
    var standalone: [String] { names(m.visibleIDs.filter { m.entries[$0]?.info.service == nil }) }
    /// Names of the `web` replicas shown, in display order.
    var replicas: [String] { names(m.visibleIDs.filter { m.entries[$0]?.info.service == "web" }) }

    func testContainerVerbsRunWithoutAConfirmation() {
        let id = Fixtures.id
        XCTAssertEqual(command("start migrate"), [.perform(.start(id: id(7), name: "migrate"))])
        XCTAssertEqual(command("restart db"), [.perform(.restart(id: id(4), name: "db"))])
        XCTAssertEqual(command("kill web-3"), [.perform(.kill(id: id(3), name: "web-3"))], "typing it is the confirmation")
        XCTAssertEqual(m.mode, .normal)
        XCTAssertEqual(command("rm cron"), [.perform(.remove(id: id(6), name: "cron", force: false))], "an exited container")
        XCTAssertEqual(command("rm web-1"), [.perform(.remove(id: id(1), name: "web-1", force: true))], "a running one is forced")
        XCTAssertEqual(command("remove worker"), [.perform(.remove(id: id(5), name: "worker", force: false))])
        XCTAssertEqual(engine.calls.count, 6, "\(engine.calls)")
        XCTAssertEqual(engine.calls.filter { !$0.hasPrefix("restart") }, [
            "start \(id(7))", "kill \(id(3)) 9", "remove \(id(6)) force=false", "remove \(id(1)) force=true", "remove \(id(5)) force=false",
        ])
        XCTAssertTrue(engine.calls[1].hasPrefix("restart \(id(4)) "), engine.calls[1])
        // Several names in one command.
        XCTAssertEqual(command("stop web-2 db").count, 2)
        XCTAssertEqual(Array(engine.calls.suffix(2).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }),
                       ["stop \(id(2))", "stop \(id(4))"])
        // Without a name: the usage, and nothing runs.
        let before = engine.calls
        XCTAssertEqual(command("kill"), [])
        XCTAssertEqual(m.status, StatusMessage("usage: :kill NAME...", .error))
        XCTAssertEqual(engine.calls, before)
    }

    func testContainersAreFoundByIdOrUniqueIdPrefix() {
        let id = Fixtures.id
        // Fixture ids differ in their first two characters: "04…" is db alone.
        XCTAssertEqual(command("stop 04"), [.perform(.stop(id: id(4), name: "db"))])
        XCTAssertEqual(command("start \(id(6))"), [.perform(.start(id: id(6), name: "cron"))], "the whole id")
        XCTAssertEqual(command("restart \(id(2).prefix(12))"), [.perform(.restart(id: id(2), name: "web-2"))], "the short id")
        // "0" starts every id: ambiguous, so nothing happens.
        let before = engine.calls
        XCTAssertEqual(command("kill 0"), [])
        XCTAssertEqual(m.status, StatusMessage("no such container: 0 (nothing done)", .error))
        XCTAssertEqual(command("kill 99"), [])
        XCTAssertEqual(engine.calls, before)
    }

    func testFilterCommandSetsAndClearsTheFilter() {
        command("filter db")
        XCTAssertEqual(names(m.visibleIDs), ["db"])
        command("filter !web")
        XCTAssertEqual(Set(names(m.visibleIDs)), ["db", "worker", "cron", "migrate"])
        command("filter ^web-[12]$")
        XCTAssertEqual(names(m.visibleIDs), ["web-1", "web-2"])
        command("filter")
        XCTAssertEqual(m.visibleIDs.count, 7, "':filter' alone clears it")
    }

    func testGraphCommandPicksTheSymbols() {
        XCTAssertEqual(m.graphStyle, .braille)
        command("graph block")
        XCTAssertEqual(m.graphStyle, .block)
        command("graph ascii")
        XCTAssertEqual(m.graphStyle, .ascii)
        command("graph braille")
        XCTAssertEqual(m.graphStyle, .braille)
        command("graph dots")
        XCTAssertEqual(m.status, StatusMessage("usage: :graph braille|block|ascii", .error))
        XCTAssertEqual(m.graphStyle, .braille)
        // Without Unicode only ASCII can be drawn.
        m = Fixtures.model(unicode: false)
        command("graph braille")
        XCTAssertEqual(m.graphStyle, .ascii)
    }

    func testAllCommandShowsOrHidesExitedContainers() {
        XCTAssertTrue(m.showAll)
        command("all off")
        XCTAssertFalse(m.showAll)
        XCTAssertFalse(names(m.visibleIDs).contains("worker") || names(m.visibleIDs).contains("cron"), "\(names(m.visibleIDs))")
        command("all")
        XCTAssertTrue(m.showAll, "':all' alone toggles")
        XCTAssertEqual(m.visibleIDs.count, 7)
        command("all off")
        command("all on")
        XCTAssertTrue(m.showAll)
        command("all maybe")
        XCTAssertEqual(m.status, StatusMessage("usage: :all [on|off]", .error))
        XCTAssertTrue(m.showAll)
    }

    func testHelpAndQuitCommands() {
        command("help")
        XCTAssertEqual(m.mode, .help(scroll: 0))
        m.press(.escape)
        XCTAssertEqual(m.mode, .normal)
        XCTAssertFalse(m.quitRequested)
        XCTAssertEqual(command("q"), [.quit])
        XCTAssertTrue(m.quitRequested)
        m = Fixtures.model()
        XCTAssertEqual(command("quit"), [.quit])
        m = Fixtures.model()
        XCTAssertEqual(command("bogus"), [])
        XCTAssertEqual(m.status, StatusMessage("unknown command 'bogus' (try :help)", .error))
        XCTAssertFalse(m.quitRequested)
    }

    func testSortWithAscAndDesc() {
        // Memory of the web replicas grows with their number (Fixtures.stats).
        command("sort mem")
        XCTAssertEqual(replicas, ["web-3", "web-2", "web-1"], "memory sorts descending by default")
        command("sort mem asc")
        XCTAssertEqual(replicas, ["web-1", "web-2", "web-3"])
        XCTAssertFalse(m.sortDescending)
        command("sort mem desc")
        XCTAssertEqual(replicas, ["web-3", "web-2", "web-1"])
        XCTAssertEqual(m.status, StatusMessage("sorted by mem (descending)"))

        command("sort name")
        XCTAssertEqual(standalone, ["cron", "db", "migrate", "worker"], "names sort ascending by default")
        command("sort name desc")
        XCTAssertEqual(standalone, ["worker", "migrate", "db", "cron"])
        XCTAssertEqual(replicas, ["web-3", "web-2", "web-1"])
        command("sort name asc")
        XCTAssertEqual(standalone, ["cron", "db", "migrate", "worker"])

        command("sort colour")
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertTrue(m.status?.text.hasPrefix("usage: :sort ") ?? false, "\(String(describing: m.status))")
        XCTAssertEqual(standalone, ["cron", "db", "migrate", "worker"], "a bad sort changes nothing")
    }
}
