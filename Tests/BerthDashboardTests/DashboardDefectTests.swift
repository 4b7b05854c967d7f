import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// Defects a new user tripped on (issue 15's list): each test failed before its fix.
final class DashboardDefectTests: XCTestCase {
    /// Item 3: at 60×20 the "terminal too small" screen is shown; `s` there stopped a container
    /// nobody could see. Only quitting works there now.
    func testOnlyQuitActsOnTheTooSmallScreen() {
        var m = Fixtures.model(columns: 60, rows: 20, samples: 2)
        XCTAssertTrue(m.layout.tooSmall)
        for key: Key in [.char("s"), .char("K"), .char("d"), .char("r"), .char("+"), .char("e"), .char(":"), .char("/"), .enter] {
            XCTAssertEqual(m.press(key), [], "\(key)")
            XCTAssertEqual(m.mode, .normal, "\(key)")
        }
        XCTAssertTrue(m.busy.isEmpty)
        XCTAssertEqual(m.press(.char("q")), [.quit])
        XCTAssertTrue(m.quitRequested)
    }

    /// A confirmation open when the window shrinks is not answered unseen either.
    func testAConfirmationIsNotAnsweredOnTheTooSmallScreen() {
        var m = Fixtures.model()
        m.press(.char("K"))
        guard case .confirm = m.mode else { return XCTFail("K asks first") }
        _ = m.update(.resize(TerminalSize(columns: 60, rows: 20)))
        XCTAssertEqual(m.press(.char("y")), [])
        XCTAssertTrue(m.busy.isEmpty, "nothing was killed")
    }

    /// Item 2: in "running only", stopping web-3 hid it and moved the selection to the next
    /// row, so a second `s` stopped that one. The acted-on container stays shown and selected.
    func testASecondPressActsOnTheSameContainer() {
        var infos = Fixtures.standard
        var m = Fixtures.model(infos, samples: 2)
        m.press(.char("a")) // running only
        XCTAssertFalse(m.showAll)
        m.press(.char("j"), .char("j"))
        XCTAssertEqual(m.selected?.name, "web-3")
        XCTAssertEqual(m.press(.char("s")), [.perform(.stop(id: Fixtures.id(3), name: "web-3"))])

        infos[2] = Fixtures.container(3, "web-3", service: "web", status: .exited, exitCode: 0)
        _ = m.update(.snapshot(Fixtures.snapshot(infos, k: 3)))
        XCTAssertEqual(m.selected?.name, "web-3", "still selected while stopping")
        XCTAssertEqual(m.press(.char("s")), [], "busy: no second action")
        XCTAssertEqual(m.status?.text, "web-3 is still stopping")

        _ = m.update(.actionFinished(ActionOutcome(action: .stop(id: Fixtures.id(3), name: "web-3"), seconds: 0.2, error: nil)))
        _ = m.update(.snapshot(Fixtures.snapshot(infos, k: 4)))
        XCTAssertEqual(m.selected?.name, "web-3", "kept in view while selected, though exited")
        XCTAssertEqual(m.press(.char("s")), [.perform(.start(id: Fixtures.id(3), name: "web-3"))], "the same container, started again")

        // Once the user moves on, the view hides it as it should.
        _ = m.update(.actionFinished(ActionOutcome(action: .start(id: Fixtures.id(3), name: "web-3"), seconds: 0.2, error: nil)))
        m.press(.char("k"))
        _ = m.update(.snapshot(Fixtures.snapshot(infos, k: 5)))
        XCTAssertFalse(m.visibleIDs.contains(Fixtures.id(3)))
    }

    /// Item 4: `+ + +` gave +1 (each press read the last snapshot). Presses accumulate; one call
    /// runs at a time and the total is applied when it ends.
    func testQuickScalePressesAccumulate() {
        var m = Fixtures.model(samples: 2, available: ActionAvailability(scale: true, exec: true))
        XCTAssertEqual(m.selected?.info.service, "web")
        XCTAssertEqual(m.press(.char("+")), [.perform(.scale(service: "web", replicas: 4))])
        XCTAssertEqual(m.press(.char("+")), [])
        XCTAssertEqual(m.status?.text, "web → 5 (pending)")
        XCTAssertEqual(m.press(.char("+")), [])
        XCTAssertEqual(m.status?.text, "web → 6 (pending)")
        let next = m.update(.actionFinished(ActionOutcome(action: .scale(service: "web", replicas: 4), seconds: 0.1, error: nil)))
        XCTAssertEqual(next, [.perform(.scale(service: "web", replicas: 6)), .sampleNow])
        XCTAssertEqual(m.update(.actionFinished(ActionOutcome(action: .scale(service: "web", replicas: 6), seconds: 0.1, error: nil))),
                       [.sampleNow])
        // Before a snapshot shows 6, a press goes on from 6, not from the stale 3.
        XCTAssertEqual(m.press(.char("-")), [.perform(.scale(service: "web", replicas: 5))])
    }

    func testAFailedScaleForgetsThePendingCount() {
        var m = Fixtures.model(samples: 2, available: ActionAvailability(scale: true, exec: true))
        m.press(.char("+"), .char("+"))
        let next = m.update(.actionFinished(ActionOutcome(action: .scale(service: "web", replicas: 4), seconds: 0.1, error: "no space")))
        XCTAssertEqual(next, [.sampleNow])
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertEqual(m.press(.char("+")), [.perform(.scale(service: "web", replicas: 4))], "from the engine's count again")
    }

    /// Item 8: sorted by CPU, service groups still came first, alphabetically. A group now stands
    /// where its busiest member does.
    func testSortingByCPUPlacesAGroupByItsFirstMember() {
        var m = Fixtures.model()
        _ = m.run(command: "sort cpu")
        var leaders: [Double] = []
        for row in m.rows {
            switch row {
            case .service(let name, _, _):
                let first = m.visibleIDs.first { m.entries[$0]?.info.service == name }
                leaders.append(first.flatMap { m.entries[$0]?.cpuPercent } ?? 0)
            case .container(let id):
                if m.entries[id]?.info.service == nil { leaders.append(m.entries[id]?.cpuPercent ?? 0) }
            }
        }
        XCTAssertEqual(leaders, leaders.sorted(by: >))
        XCTAssertGreaterThan(leaders.count, 2)
    }

    /// Item 8: names sort as people count (s1, s2, s10, s100), not s1, s10, s100, s2.
    func testNamesSortNaturally() {
        let infos = [Fixtures.container(1, "s10"), Fixtures.container(2, "s2"), Fixtures.container(3, "s100"),
                     Fixtures.container(4, "S1"), Fixtures.container(5, "s02b"), Fixtures.container(6, "s2a")]
        let m = Fixtures.model(infos, samples: 2)
        XCTAssertEqual(m.visibleIDs.compactMap { m.entries[$0]?.name }, ["S1", "s2", "s2a", "s02b", "s10", "s100"])
        XCTAssertEqual(NaturalOrder.compare("a", "a"), 0)
        XCTAssertEqual(NaturalOrder.compare("a9", "a10"), -1)
        XCTAssertEqual(NaturalOrder.compare("a010", "a9"), 1)
    }

    /// Item 9: `/web-2` made the heading say "web 1/3 running". It counts the whole service.
    func testHeadingsCountTheWholeServiceWhateverTheFilter() {
        var m = Fixtures.model(samples: 2)
        m.press(.char("/"))
        m.type("web-2")
        m.press(.enter)
        XCTAssertEqual(m.visibleIDs, [Fixtures.id(2)])
        XCTAssertEqual(m.rows.first, .service(name: "web", replicas: 3, running: 3))
    }
}

extension DashboardDefectTests {
    /// Item 7: `:rm s2 nosuch s3` removed s2, overwrote the error with "removed s2" and skipped
    /// s3 silently. A name that matches nothing stops the whole command, and says so.
    func testACommandWithAnUnknownNameDoesNothing() {
        var m = Fixtures.model(samples: 2)
        m.press(.char(":"))
        m.type("rm cron nosuch migrate")
        XCTAssertEqual(m.press(.enter), [])
        XCTAssertEqual(m.status, StatusMessage("no such container: nosuch (nothing done)", .error))
        XCTAssertTrue(m.busy.isEmpty)
    }

    /// Item 7: `:graph`, `:all` and `:filter` said nothing and left an old error up.
    func testCommandsReplaceAnOldErrorWithTheirOwnResult() {
        var m = Fixtures.model(samples: 2)
        for (command, result) in [("graph block", "graphs: block"), ("all off", "hiding exited containers"),
                                  ("filter web", "filter: web"), ("filter", "filter cleared")] {
            m.press(.char(":"))
            m.type("nosuchcommand")
            m.press(.enter)
            XCTAssertEqual(m.status?.kind, .error)
            m.press(.char(":"))
            m.type(command)
            m.press(.enter)
            XCTAssertEqual(m.status, StatusMessage(result), command)
        }
    }

    /// Item 7: news expires a few seconds after it was shown (by the snapshots' clock); an error
    /// stays until the next key.
    func testStatusMessagesExpireButErrorsWaitForAKey() {
        var m = Fixtures.model(samples: 2)
        m.press(.char("o"))
        XCTAssertEqual(m.status?.text, "sorted by state")
        _ = m.update(.snapshot(Fixtures.snapshot(Fixtures.standard, k: 3)))
        XCTAssertNotNil(m.status, "one second later it is still there")
        _ = m.update(.snapshot(Fixtures.snapshot(Fixtures.standard, k: 10)))
        XCTAssertNil(m.status, "gone after \(DashboardModel.statusLifetime) s")

        m.press(.char(":"))
        m.type("nosuchcommand")
        m.press(.enter)
        _ = m.update(.snapshot(Fixtures.snapshot(Fixtures.standard, k: 60)))
        XCTAssertEqual(m.status?.kind, .error, "an error outlives the timeout")
        m.press(.char("j"))
        XCTAssertNil(m.status, "and goes with the next key")
    }
}

extension DashboardDefectTests {
    /// Item 11: the log search term followed the selection to other containers.
    func testALogSearchStaysWithItsContainer() {
        var m = Fixtures.model(samples: 2)
        m.press(.char("l"))
        XCTAssertEqual(m.focus, .logs)
        m.press(.char("/"))
        m.type("GET")
        m.press(.enter)
        XCTAssertEqual(m.logs.search, "GET")
        m.press(.char("1"), .char("j"))
        XCTAssertEqual(m.selected?.name, "web-2")
        XCTAssertEqual(m.logs.search, "", "another container's log starts unsearched")
    }

    /// Item 11: after Esc left zoomed logs, focus stayed on the logs, so `/` searched them
    /// instead of filtering the containers.
    func testEscFromZoomedLogsGoesBackToTheContainers() {
        var m = Fixtures.model(samples: 2)
        m.press(.char("l"), .char("z"))
        XCTAssertTrue(m.logsFullscreen)
        m.press(.escape)
        XCTAssertFalse(m.logsFullscreen)
        XCTAssertEqual(m.focus, .containers)
        m.press(.char("/"))
        XCTAssertEqual(m.mode, .filter(""))
    }
}

extension DashboardDefectTests {
    /// Two samples of `infos`, the second with `change` applied to every running container's stats.
    func model(_ infos: [ContainerInfo], change: (inout ContainerStats) -> Void) -> DashboardModel {
        var m = Fixtures.model(infos, samples: 1)
        var second = Fixtures.snapshot(infos, k: 2)
        for i in second.stats.indices { change(&second.stats[i]) }
        _ = m.update(.snapshot(second))
        return m
    }

    /// Item 10: "CPU 50.0% of 0.5 CPU" for a container using all of its limit, and no sign of
    /// throttling anywhere. The detail says how much of the limit it uses and that it is held
    /// back; the table marks the CPU cell.
    func testCPUAgainstItsLimitAndThrottlingShow() {
        let infos = [Fixtures.container(1, "capped", cpus: 0.5)]
        let first = Fixtures.stats(infos, k: 0)[0] // what `model` samples first
        let m = model(infos) { s in
            s.timestamp = first.timestamp + 1_000_000_000
            s.cpuUsageNanos = first.cpuUsageNanos + 500_000_000 // half a CPU over that second
            s.cpuThrottledPeriods = (first.cpuThrottledPeriods ?? 0) + 7
        }
        XCTAssertTrue(m.entries[Fixtures.id(1)]!.throttled)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("CPU 50.0% · 100% of its 0.5 CPU limit · throttled"), screen)
        XCTAssertTrue(screen.contains("50.0%!"), "the table marks the throttled CPU:\n\(screen)")

        let calm = model(infos) { s in s.cpuThrottledPeriods = first.cpuThrottledPeriods }
        XCTAssertFalse(calm.entries[Fixtures.id(1)]!.throttled)
        XCTAssertFalse(Golden.render(calm).text().contains("throttled"))
    }

    /// Item 5: a child killed for memory while PID 1 lives on showed nowhere (RST 0, running).
    /// The cgroup's OOM counter marks the memory cell.
    func testAnOOMKillInsideARunningContainerIsMarked() {
        let infos = [Fixtures.container(1, "leaky")]
        let quiet = model(infos) { _ in }
        XCTAssertFalse(Golden.render(quiet).text().contains("OOM×"))
        let m = model(infos) { s in s.oomKills = 2 }
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("OOM×2"), screen)
    }

    /// Item 10: a crash-looping container read "restarting · up 4s", and "restarting" was cut.
    func testARestartingContainerSaysSoWhole() {
        let infos = [Fixtures.container(1, "looper", status: .restarting, restarts: 12)]
        let m = Fixtures.model(infos, samples: 2)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("restarting · 12 restarts"), screen)
        XCTAssertFalse(screen.contains("restarting · pid"), screen)
        XCTAssertFalse(screen.contains("restarti…"), screen)
        XCTAssertTrue(screen.contains(" restarting "), screen)
    }
}

extension DashboardDefectTests {
    /// Item 8: sorted by state there was no arrow, the sorted PIDS heading read "▼PI…", and `O`
    /// said nothing.
    func testEverySortShowsItsArrowWhole() {
        var m = Fixtures.model(samples: 2)
        _ = m.run(command: "sort state")
        var heading = Golden.render(m).text().split(separator: "\n")[3]
        XCTAssertTrue(heading.contains("│▲ "), String(heading))
        _ = m.run(command: "sort pids")
        heading = Golden.render(m).text().split(separator: "\n")[3]
        XCTAssertTrue(heading.contains("▼PID"), String(heading))
        XCTAssertFalse(heading.contains("…"), String(heading))
        m.press(.char("O"))
        XCTAssertEqual(m.status?.text, "sorted by pids (ascending)")
    }
}

extension DashboardDefectTests {
    /// Item 13: U+202E (right-to-left override) in a name or a log line reached the terminal and
    /// reversed the rest of the row as drawn. No bidi formatting character is drawn.
    func testBidiOverridesNeverReachTheTerminal() {
        let evil = "web\u{202E}txt.exe\u{2066}x\u{200F}"
        var m = Fixtures.model([Fixtures.container(1, evil)], samples: 2)
        _ = m.update(.logLines(id: Fixtures.id(1), lines: [LogLine(timestampNanos: 0, stream: .stdout, text: "a\u{202E}b\u{061C}c")], reset: true))
        let screen = Golden.render(m).text()
        for bad: UInt32 in [0x202E, 0x2066, 0x200F, 0x061C] {
            XCTAssertFalse(screen.unicodeScalars.contains { $0.value == bad }, String(format: "U+%04X on screen", bad))
        }
        XCTAssertTrue(screen.contains("web txt.exe x"), screen)
        XCTAssertTrue(screen.contains("abc"), screen)
    }
}

extension DashboardDefectTests {
    /// Item 13: an invalid regex silently matched nothing. It says so while typing, and the
    /// message goes once the text is valid again.
    func testAnInvalidRegexSaysItIsMatchedAsText() {
        var m = Fixtures.model(samples: 2)
        m.press(.char("/"))
        m.type("web-[")
        XCTAssertEqual(m.status?.kind, .error)
        XCTAssertEqual(m.status?.text, "'web-[' is not a valid regular expression: matched as plain text")
        XCTAssertEqual(m.visibleIDs, [])
        // Enter keeps the filter and the same message (it once said something else there).
        m.press(.enter)
        XCTAssertEqual(m.status?.text, "'web-[' is not a valid regular expression: matched as plain text")
        m.press(.char("/"))
        m.type("12]")
        XCTAssertNil(m.status)
        XCTAssertEqual(m.visibleIDs.count, 2)
    }
}

extension DashboardDefectTests {
    /// Item 12: at 200–250 columns NAME took all spare width (a 100-column gap before IMAGE).
    /// Names and images are capped; the room goes to the CPU sparkline.
    func testWideTerminalsGiveTheirRoomToTheSparkline() {
        for width in [200, 250] {
            let cols = Dictionary(uniqueKeysWithValues: ContainersPane.columns(width: width).map { ($0.0, $0.1) })
            XCTAssertLessThanOrEqual(cols[.name] ?? 0, 40, "\(width)")
            XCTAssertLessThanOrEqual(cols[.image] ?? 0, 32, "\(width)")
            XCTAssertGreaterThan(cols[.spark] ?? 0, 40, "\(width)")
            XCTAssertEqual(cols.values.reduce(0, +) + cols.count - 1, width, "every column used")
        }
    }
}

extension DashboardDefectTests {
    /// Item 6: with wrap on, a line longer than the pane showed only its end, never its beginning.
    func testAWrappedLineTallerThanThePaneShowsItsBeginning() {
        var m = Fixtures.model(samples: 2)
        let long = "BEGIN " + String(repeating: "0123456789", count: 2_000) + " END"
        // Lines after it take rows, so the long line has less room than the pane's height.
        let after = (1...3).map { LogLine(timestampNanos: Int64($0), stream: .stdout, text: "after \($0)") }
        _ = m.update(.logLines(id: Fixtures.id(1), lines: [LogLine(timestampNanos: 0, stream: .stdout, text: long)] + after, reset: true))
        m.press(.char("l"), .char("w"))
        XCTAssertTrue(m.logs.wrap)
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("BEGIN 0123456789"), screen)
        XCTAssertFalse(screen.contains("END"), screen)
        XCTAssertTrue(screen.contains("…"), "cut, and says so")
        XCTAssertTrue(screen.contains("after 3"), screen)
    }
}

extension DashboardDefectTests {
    /// Item 5: at 200×50 the detail pane was cut at "Net": Block IO, OOM kills and errors below it
    /// could not be reached. It says how much is hidden and j/k scroll it (detail focused).
    func testEveryFactOfTheDetailPaneCanBeReached() {
        var m = Fixtures.model(columns: 200, rows: 50, samples: 3)
        var screen = Golden.render(m).text()
        XCTAssertFalse(screen.contains("Block IO"), "hidden at first (else this test proves nothing)")
        XCTAssertTrue(screen.contains("more (j/k)"), screen)
        m.press(.char("2"))
        for _ in 0..<8 { m.press(.char("j")) }
        screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("Block IO"), screen)
        XCTAssertTrue(screen.contains("↑"), "says what is above")
        m.press(.char("1"), .char("j"))
        XCTAssertEqual(m.detailScroll, 0, "another container's facts start at the top")
    }
}

extension DashboardDefectTests {
    /// Item 12: at 80×24 the `? help` and `q quit` hints fell off the status bar. They keep their
    /// room, with a status message shown too.
    func testHelpAndQuitHintsAlwaysShow() {
        for focusKey in ["1", "3"] {
            var m = Fixtures.model(columns: 80, rows: 24, samples: 2)
            m.press(.char(Character(focusKey)))
            m.press(.char("t"))
            let bottom = Golden.render(m).text().split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertTrue(bottom.contains("? help") && bottom.contains("q quit"), bottom)
            XCTAssertTrue(bottom.contains("theme "), bottom)
        }
    }
}

/// The header's pressure stall figures (the host's /proc/pressure; issue 15's "Pressure").
final class HeaderPressureTests: XCTestCase {
    func testTheHeaderShowsTheHostsPressureAndOmitsItWhenThereIsNone() {
        var m = Fixtures.model(columns: 200, rows: 40, samples: 2)
        XCTAssertFalse(Golden.render(m).text().contains("stall"), "no pressure known: nothing shown")
        var snap = Fixtures.snapshot(Fixtures.standard, k: 3)
        let line = { (v: Double) in Pressure(some: Pressure.Line(avg10: v, avg60: 0, avg300: 0, totalMicroseconds: 0)) }
        snap.host.pressure = PressureSet(cpu: line(12.5), memory: line(0), io: line(45))
        _ = m.update(.snapshot(snap))
        let t = Golden.render(m)
        let header = t.text().split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(header.contains("stall cpu 12.5% mem 0.0% io 45.0%"), header)
        XCTAssertEqual(PressureStyle.role(12.5), .warning)
        XCTAssertEqual(PressureStyle.role(45), .error)
        XCTAssertEqual(PressureStyle.role(0), .headerValue)
    }

    func testTheDetailPaneShowsTheSelectedContainersOwnPressure() throws {
        var m = Fixtures.model(columns: 200, rows: 50, samples: 2)
        XCTAssertFalse(DetailPane.facts(try XCTUnwrap(m.selected), m).contains { $0.0 == "Stall" }, "v1: no pressure, no line")
        var snap = Fixtures.snapshot(Fixtures.standard, k: 3)
        let selected = try XCTUnwrap(m.selectedID)
        let i = try XCTUnwrap(snap.stats.firstIndex { $0.id == selected })
        snap.stats[i].pressure = PressureSet(cpu: Pressure(some: Pressure.Line(avg10: 5, avg60: 1, avg300: 0, totalMicroseconds: 9)),
                                             memory: Pressure(some: Pressure.Line(avg10: 50, avg60: 20, avg300: 0, totalMicroseconds: 9)))
        _ = m.update(.snapshot(snap))
        let stall = try XCTUnwrap(DetailPane.facts(try XCTUnwrap(m.selected), m).first { $0.0 == "Stall" })
        XCTAssertEqual(stall.1, "cpu 5.0% (1.0% 1m), mem 50.0% (20.0% 1m)")
        XCTAssertEqual(stall.2, .error, "the worst resource colours the line")
    }
}
