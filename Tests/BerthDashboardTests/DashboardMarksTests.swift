import Foundation
import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Marks (space, ctrl-a): container keys act on every marked container, each action once, and
/// never on an unmarked selection while marks exist.
final class DashboardMarksTests: XCTestCase {
    /// Rows by name: the web group (web-1..3), then cron, db, migrate, worker.
    func model() -> DashboardModel {
        let m = Fixtures.model(samples: 2)
        XCTAssertEqual(m.selected?.name, "web-1")
        return m
    }

    func testSpaceMarksAndMovesDownAndSActsOnTheMarkedOnly() {
        var m = model()
        m.press(.char(" "), .char(" "))
        XCTAssertEqual(m.marked, [Fixtures.id(1), Fixtures.id(2)])
        XCTAssertEqual(m.selected?.name, "web-3", "space moves down")
        XCTAssertEqual(m.press(.char("s")), [.perform(.stop(id: Fixtures.id(1), name: "web-1")),
                                             .perform(.stop(id: Fixtures.id(2), name: "web-2"))])
        XCTAssertEqual(m.status?.text, "stopping 2 containers…")
        XCTAssertTrue(m.marked.isEmpty, "the marks go once the action starts")
        XCTAssertEqual(Set(m.busy.keys), [Fixtures.id(1), Fixtures.id(2)])
        // The next key acts on the selection again.
        XCTAssertEqual(m.press(.char("r")), [.perform(.restart(id: Fixtures.id(3), name: "web-3"))])
    }

    func testSStopsTheRunningMarkedOnesElseStartsThemAll() {
        var m = model()
        m.press(.char("G"))                        // worker (exited)
        m.press(.char(" "))                        // bottom: stays on worker
        m.press(.char("k"), .char("k"), .char(" ")) // db (running) marked → selection moves to migrate
        XCTAssertEqual(m.marked, [Fixtures.id(5), Fixtures.id(4)])
        XCTAssertEqual(m.press(.char("s")), [.perform(.stop(id: Fixtures.id(4), name: "db"))], "only the running one stops")
        m.press(.char(" "), .char(" "))            // migrate (created), worker (exited)
        XCTAssertEqual(m.marked, [Fixtures.id(7), Fixtures.id(5)])
        XCTAssertEqual(m.press(.char("s")), [.perform(.start(id: Fixtures.id(7), name: "migrate")),
                                             .perform(.start(id: Fixtures.id(5), name: "worker"))])
    }

    func testKillAsksOnceForTheMarkedRunningOnesAndNoKeepsTheMarks() {
        var m = model()
        m.press(.char(" "))                        // web-1
        m.press(.char("j"), .char("j"), .char(" ")) // cron (exited)
        m.press(.char(" "))                        // db
        XCTAssertEqual(m.marked.count, 3)
        XCTAssertEqual(m.press(.char("K")), [])
        guard case .confirm(let pending) = m.mode else { return XCTFail("K asks first") }
        XCTAssertEqual(pending.question, "Kill 2 containers (web-1, db) with SIGKILL?")
        XCTAssertEqual(m.press(.char("n")), [])
        XCTAssertEqual(m.marked.count, 3, "no keeps the marks")
        m.press(.char("K"))
        XCTAssertEqual(m.press(.char("y")), [.perform(.kill(id: Fixtures.id(1), name: "web-1")),
                                             .perform(.kill(id: Fixtures.id(4), name: "db"))])
        XCTAssertTrue(m.marked.isEmpty)
    }

    func testRemoveOfMarkedSaysHowManyRunAndForcesOnlyThose() {
        var m = model()
        m.press(.char("G"), .char(" "))            // worker (exited)
        m.press(.char("g"), .char("j"), .char(" ")) // web-1 (running), under the web heading
        m.press(.char("d"))
        guard case .confirm(let pending) = m.mode else { return XCTFail("d asks first") }
        XCTAssertEqual(pending.question, "Remove 2 containers (web-1, worker)? 1 running will be killed.")
        XCTAssertEqual(m.press(.char("y")), [.perform(.remove(id: Fixtures.id(1), name: "web-1", force: true)),
                                             .perform(.remove(id: Fixtures.id(5), name: "worker", force: false))])
    }

    func testCtrlAMarksEveryShownRowAndAgainClearsEscClearsFirst() {
        var m = model()
        m.press(.ctrl("a"))
        XCTAssertEqual(m.marked, Set(m.visibleIDs))
        XCTAssertEqual(m.marked.count, 7)
        m.press(.ctrl("a"))
        XCTAssertTrue(m.marked.isEmpty)
        // With a filter, only what it shows; Esc clears the marks before the filter.
        m.press(.char("/")); m.type("web"); m.press(.enter)
        m.press(.ctrl("a"))
        XCTAssertEqual(m.marked, [Fixtures.id(1), Fixtures.id(2), Fixtures.id(3)])
        m.press(.escape)
        XCTAssertTrue(m.marked.isEmpty)
        XCTAssertEqual(m.filter.text, "web", "the first Esc only cleared the marks")
        m.press(.escape)
        XCTAssertEqual(m.filter.text, "")
    }

    func testMarksOfRemovedContainersGoWithThem() {
        var infos = Fixtures.standard
        var m = Fixtures.model(infos, samples: 2)
        m.press(.char(" "), .char(" "))
        infos.removeFirst()
        _ = m.update(.snapshot(Fixtures.snapshot(infos, k: 3)))
        XCTAssertEqual(m.marked, [Fixtures.id(2)])
    }

    func testPPausesTheUnpausedElseUnpausesAll() {
        var infos = Fixtures.standard
        infos[1].state.paused = true
        var m = Fixtures.model(infos, samples: 2)
        XCTAssertEqual(m.press(.char("p")), [.perform(.pause(id: Fixtures.id(1), name: "web-1"))])
        m.press(.char("j"))
        _ = m.update(.actionFinished(ActionOutcome(action: .pause(id: Fixtures.id(1), name: "web-1"), seconds: 0.1, error: nil)))
        XCTAssertEqual(m.press(.char("p")), [.perform(.unpause(id: Fixtures.id(2), name: "web-2"))], "a paused one is unpaused")
        _ = m.update(.actionFinished(ActionOutcome(action: .unpause(id: Fixtures.id(2), name: "web-2"), seconds: 0.1, error: nil)))
        m.press(.char(" "), .char(" "))            // web-2 (paused), web-3
        XCTAssertEqual(m.press(.char("p")), [.perform(.pause(id: Fixtures.id(3), name: "web-3"))], "some unpaused: those are paused")
        m.press(.char("G"))
        XCTAssertEqual(m.press(.char("p")), [])
        XCTAssertEqual(m.status?.text, "worker is not running")
        XCTAssertEqual(m.status?.kind, .error)
    }

    func testMarkedRowsAndTheCountAreDrawn() {
        var m = model()
        m.press(.char(" "), .char(" "))
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("✓ web-1"), screen)
        XCTAssertTrue(screen.contains("✓ web-2"), screen)
        XCTAssertFalse(screen.contains("✓ web-3"), screen)
        XCTAssertTrue(screen.contains("✓ 2 marked"), screen)
    }

    /// The runner calls the engine's pause and unpause.
    func testTheRunnerPausesAndUnpausesThroughTheEngine() {
        let engine = FakeEngine(containers: Fixtures.standard)
        let actions = DashboardActions()
        XCTAssertNil(ActionRunner.run(.pause(id: Fixtures.id(1), name: "web-1"), engine: engine, actions: actions).error)
        XCTAssertEqual(engine.containers.first?.state.paused, true)
        XCTAssertNil(ActionRunner.run(.unpause(id: Fixtures.id(1), name: "web-1"), engine: engine, actions: actions).error)
        XCTAssertEqual(engine.calls, ["pause \(Fixtures.id(1))", "unpause \(Fixtures.id(1))"])
    }

    /// The engine's notices (a limit the kernel could not apply) come back with the outcome, once.
    func testTheRunnerHandsTheEnginesNoticesToTheOutcome() {
        let engine = FakeEngine(containers: Fixtures.standard)
        let pending = NoticeLines(["--blkio-weight not applied: the kernel has no blkio.weight"])
        let actions = DashboardActions(notices: { pending.drain() })
        let outcome = ActionRunner.run(.pause(id: Fixtures.id(1), name: "web-1"), engine: engine, actions: actions)
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.detail, "paused web-1; --blkio-weight not applied: the kernel has no blkio.weight")
        XCTAssertNil(ActionRunner.run(.unpause(id: Fixtures.id(1), name: "web-1"), engine: engine, actions: actions).detail)
    }
}

/// Notices handed out once, as the CLI's buffer does.
private final class NoticeLines: @unchecked Sendable {
    private var lines: [String]
    private let lock = NSLock()
    init(_ lines: [String]) { self.lines = lines }
    func drain() -> [String] { lock.lock(); defer { lock.unlock() }; defer { lines = [] }; return lines }
}
