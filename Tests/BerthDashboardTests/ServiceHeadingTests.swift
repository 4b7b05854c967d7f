import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Service headings are rows: selectable, foldable with `z`, and on a selected heading s r K d p
/// act on all its replicas, + - scale it, the logs pane merges its replicas' logs.
final class ServiceHeadingTests: XCTestCase {
    /// Rows by name: ▾ web, web-1, web-2, web-3, then cron, db, migrate, worker; the heading selected.
    func model() -> DashboardModel {
        var m = Fixtures.model(samples: 2, available: ActionAvailability(scale: true, exec: true))
        XCTAssertEqual(m.selected?.name, "web-1")
        XCTAssertEqual(m.press(.char("k")), [.followLogs("service:web")], "the logs pane follows the heading: merged")
        XCTAssertEqual(m.selectedService, "web")
        XCTAssertNil(m.selectedID)
        return m
    }

    let web = (1...3).map { (Fixtures.id($0), "web-\($0)") }

    func testTheHeadingIsSelectableAndTheDetailDescribesTheService() {
        var m = model()
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("2 service web"), screen)
        XCTAssertTrue(screen.contains("3/3 running"), screen)
        XCTAssertTrue(screen.contains("3 Logs web (all replicas)"), screen)
        m.press(.char("j"))
        XCTAssertEqual(m.selected?.name, "web-1")
        XCTAssertNil(m.selectedService)
    }

    func testZFoldsAndUnfoldsTheGroup() {
        var m = model()
        m.press(.char("z"))
        XCTAssertEqual(m.collapsed, ["web"])
        XCTAssertFalse(m.visibleIDs.contains(Fixtures.id(1)))
        XCTAssertEqual(m.selectedService, "web")
        XCTAssertTrue(Golden.render(m).text().contains("▸ web  3/3 running"))
        // j from the folded heading goes to the next row after the group.
        m.press(.char("j"))
        XCTAssertEqual(m.selected?.name, "cron")
        m.press(.char("k"), .char("z"))
        XCTAssertTrue(m.collapsed.isEmpty)
        XCTAssertTrue(m.visibleIDs.contains(Fixtures.id(1)))
        XCTAssertTrue(Golden.render(m).text().contains("▾ web  3/3 running"))
        // z on a replica folds its group and moves the selection to the heading.
        m.press(.char("j"), .char("j"), .char("z"))
        XCTAssertEqual(m.selectedService, "web")
        XCTAssertEqual(m.collapsed, ["web"])
        // On a container of no service it says so.
        m.press(.char("j"), .char("z"))
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertEqual(m.collapsed, ["web"])
    }

    func testSAndRActOnEveryReplica() {
        var m = model()
        XCTAssertEqual(m.press(.char("s")), web.map { .perform(.stop(id: $0.0, name: $0.1)) })
        XCTAssertEqual(m.status?.text, "stopping 3 containers…")
        for (id, _) in web { _ = m.update(.actionFinished(ActionOutcome(action: .stop(id: id, name: ""), seconds: 0.1, error: nil))) }
        XCTAssertEqual(m.press(.char("r")), web.map { .perform(.restart(id: $0.0, name: $0.1)) })
        XCTAssertEqual(m.selectedService, "web", "the heading stays selected")
    }

    func testKillAndRemoveAskOnceForAll() {
        var m = model()
        m.press(.char("K"))
        guard case .confirm(let pending) = m.mode else { return XCTFail("K asks first") }
        XCTAssertEqual(pending.question, "Kill 3 containers (web-1, web-2, web-3) with SIGKILL?")
        XCTAssertEqual(m.press(.char("y")), web.map { .perform(.kill(id: $0.0, name: $0.1)) })
    }

    func testPlusMinusScaleTheHeadingsService() {
        var m = model()
        XCTAssertEqual(m.press(.char("+")), [.perform(.scale(service: "web", replicas: 4))])
        XCTAssertEqual(m.selectedService, "web")
    }

    func testSpaceOnAHeadingMarksAllItsReplicas() {
        var m = model()
        m.press(.char(" "))
        XCTAssertEqual(m.marked, Set(web.map(\.0)))
        m.press(.char("k"), .char(" "))
        XCTAssertTrue(m.marked.isEmpty, "again: unmarks them")
    }

    /// The keys that act on one container say what to select, in one wording (`selectedContainer`).
    func testKeysForOneContainerOnAHeadingAskForAReplica() {
        for (key, text) in [("e", "open a shell in it"), ("i", "inspect it"), ("P", "list its processes"), ("u", "change its limits")] {
            var m = model()
            XCTAssertEqual(m.press(.char(Character(key))), [], key)
            XCTAssertEqual(m.status?.text, "select a replica of web to \(text)", key)
            XCTAssertEqual(m.view, .containers, key)
            XCTAssertEqual(m.mode, .normal, key)
        }
        var empty = Fixtures.model([], samples: 2, available: ActionAvailability(scale: true, exec: true))
        for key in ["e", "i", "P", "u"] {
            empty.status = nil
            XCTAssertEqual(empty.press(.char(Character(key))), [], key)
            XCTAssertEqual(empty.status?.text, "no container selected", key)
        }
    }

    func testAFoldedGroupsHeadingIsTheSelectionWhenTheFilterHidesTheRest() {
        var m = model()
        m.press(.char("z"), .char("/"))
        m.type("web")
        m.press(.enter)
        XCTAssertEqual(m.rows.count, 1)
        XCTAssertEqual(m.selectedService, "web")
        m.press(.escape)
        XCTAssertEqual(m.selectedService, "web")
    }

    func testCollapsedHeadingGolden() {
        var m = model()
        m.press(.char("z"))
        Golden.assertScreen(m, "service-heading-120x40")
    }

    /// The logs feed of a service: each replica's tail, merged by time, each line prefixed with
    /// its replica's name; then what any of them appends.
    func testMergedLogsOfAllReplicas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-merged-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = FakeEngine(containers: [Fixtures.container(1, "web-1", service: "web"), Fixtures.container(2, "web-2", service: "web"),
                                             Fixtures.container(3, "db")])
        for (n, lines) in [(1, ["2026-11-29T10:00:01Z stdout F one-a", "2026-11-29T10:00:03Z stdout F one-b"]),
                           (2, ["2026-11-29T10:00:02Z stderr F two-a"]), (3, ["2026-11-29T10:00:00Z stdout F not-web"])] {
            let path = dir + "/\(n).log"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            engine.setLogPath(Fixtures.id(n), path)
        }
        let feed = LogsFeed(engine: engine)
        XCTAssertEqual(feed.follow("service:web").map(\.text), ["web-1 | one-a", "web-2 | two-a", "web-1 | one-b"])
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/2.log"))
        h.seekToEndOfFile()
        h.write(Data("2026-11-29T10:00:04Z stdout F two-b\n".utf8))
        try h.close()
        let next = feed.poll()
        XCTAssertEqual(next.lines.map(\.text), ["web-2 | two-b"])
        XCTAssertFalse(next.reset)
        // A service with no replicas follows nothing.
        XCTAssertEqual(feed.follow("service:none").count, 0)
        XCTAssertTrue(feed.poll().lines.isEmpty)
    }

    /// A service on another host (no log file: `FleetEngine.logPath` throws): its replicas' tails
    /// merged and prefixed, then re-read on each poll, replacing what the pane holds.
    func testMergedLogsOfARemoteServicesReplicas() throws {
        let engine = FakeEngine(containers: [Fixtures.container(1, "b/web-1", service: "b/web"), Fixtures.container(2, "b/web-2", service: "b/web"),
                                             Fixtures.container(3, "b/db")])
        func line(_ second: Int, _ text: String) -> LogLine { LogLine(timestampNanos: Int64(second) * 1_000_000_000, stream: .stdout, text: text) }
        engine.setLogs(Fixtures.id(1), [line(1, "one-a"), line(3, "one-b")])
        engine.setLogs(Fixtures.id(2), [line(2, "two-a")])
        engine.setLogs(Fixtures.id(3), [line(0, "not-web")])
        let feed = LogsFeed(engine: engine)
        XCTAssertEqual(feed.follow("service:b/web").map(\.text), ["b/web-1 | one-a", "b/web-2 | two-a", "b/web-1 | one-b"])
        XCTAssertTrue(feed.poll().lines.isEmpty, "nothing new: nothing handed over")
        engine.setLogs(Fixtures.id(2), [line(2, "two-a"), line(4, "two-b")])
        let next = feed.poll()
        XCTAssertTrue(next.reset, "the re-read tails replace the pane's lines")
        XCTAssertEqual(next.lines.map(\.text), ["b/web-1 | one-a", "b/web-2 | two-a", "b/web-1 | one-b", "b/web-2 | two-b"])
    }

    /// "Running only": stopping a selected heading's replicas must not make the heading vanish and
    /// the selection land elsewhere, or a second `s` would act on another container.
    func testASelectedHeadingStaysWhenItsReplicasStopInRunningOnly() {
        var m = model()
        m.press(.char("a"))
        XCTAssertFalse(m.showAll)
        m.press(.char("s"))
        for (id, _) in web { _ = m.update(.actionFinished(ActionOutcome(action: .stop(id: id, name: ""), seconds: 0.1, error: nil))) }
        let stopped = Fixtures.standard.map { c -> ContainerInfo in
            var c = c
            if c.service == "web" { c.state.status = .exited; c.state.exitCode = 0 }
            return c
        }
        _ = m.update(.snapshot(Fixtures.snapshot(stopped, k: 5)))
        XCTAssertEqual(m.selectedService, "web")
        XCTAssertEqual(m.press(.char("s")), web.map { .perform(.start(id: $0.0, name: $0.1)) })
    }
}
