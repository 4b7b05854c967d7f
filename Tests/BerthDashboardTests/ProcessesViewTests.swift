import BerthOS
import BerthRuntime
@testable import BerthDashboard
import Glibc
import XCTest

/// The processes view (`P`): the selection's processes read live off the UI thread, CPU % between
/// two reads, the selection kept on its PID, `x`/`K` asking before they signal one process.
final class ProcessesViewTests: XCTestCase {
    static func sample(_ pid: Int32, ticks: UInt64, command: String, parent: Int32 = 1, state: Character = "S") -> ProcessSample {
        ProcessSample(pid: pid, parentPID: parent, state: state, uid: pid == 100 ? 0 : 1000, cpuTicks: ticks,
                      residentBytes: 3 << 20, threads: 1, command: command)
    }

    /// P on a running container, then two reads one second apart.
    func opened(columns: Int = 120, rows: Int = 40, mode: ColorMode = .truecolor, unicode: Bool = true) throws -> DashboardModel {
        var m = Fixtures.model(columns: columns, rows: rows, samples: 3, mode: mode, unicode: unicode)
        try selectRunning(&m)
        let id = try XCTUnwrap(m.selectedID)
        XCTAssertEqual(m.press(.char("P")), [.watchProcesses(id: id)])
        XCTAssertEqual(m.view, .processes)
        XCTAssertTrue(Golden.render(m).text().contains(unicode ? "reading…" : "reading..."))
        let tps = UInt64(ProcessesState.ticksPerSecond)
        _ = m.update(.processes(id: id, samples: [Self.sample(100, ticks: 10, command: "nginx: master"),
                                                   Self.sample(101, ticks: 0, command: "nginx: worker", parent: 100)], at: 50, error: nil))
        _ = m.update(.processes(id: id, samples: [Self.sample(100, ticks: 10 + tps / 2, command: "nginx: master"),
                                                   Self.sample(101, ticks: tps, command: "nginx: worker", parent: 100, state: "R"),
                                                   Self.sample(102, ticks: 0, command: "sh -c \u{1b}]0;owned\u{7}evil", parent: 100)], at: 51, error: nil))
        return m
    }

    func selectRunning(_ m: inout DashboardModel) throws {
        for _ in 0..<20 where !(m.selected?.info.state.isRunning ?? false) { m.press(.char("j")) }
        XCTAssertEqual(m.selected?.info.state.isRunning, true, "the fixture has a running container")
    }

    func testCPUIsMeasuredBetweenReadsAndControlsAreEscaped() throws {
        let m = try opened()
        XCTAssertEqual(m.processes.rows.map(\.sample.pid), [100, 101, 102])
        XCTAssertEqual(try XCTUnwrap(m.processes.rows[0].cpuPercent), 50, accuracy: 0.5)
        XCTAssertEqual(try XCTUnwrap(m.processes.rows[1].cpuPercent), 100, accuracy: 0.5)
        XCTAssertNil(m.processes.rows[2].cpuPercent, "a process new in this read has no interval yet")
        let screen = Golden.render(m).text()
        XCTAssertTrue(screen.contains("Processes \(m.processes.name) 3"), screen)
        XCTAssertTrue(screen.contains("nginx: worker"), screen)
        XCTAssertTrue(screen.contains(" 100% "), screen)
        XCTAssertFalse(screen.contains("\u{1b}"), "control characters reach the terminal as spaces")
    }

    func testSelectionFollowsItsPIDAndXAsksBeforeSignalling() throws {
        var m = try opened()
        m.press(.char("j"))
        XCTAssertEqual(m.processes.selected?.sample.pid, 101)
        // A process before it exits: the selection stays on 101, now the first row.
        _ = m.update(.processes(id: m.processes.id, samples: [Self.sample(101, ticks: 500, command: "nginx: worker", parent: 100)], at: 52, error: nil))
        XCTAssertEqual(m.processes.selected?.sample.pid, 101)
        XCTAssertEqual(m.processes.selection, 0)
        // Container keys do nothing here; x asks, n cancels, y sends.
        XCTAssertEqual(m.press(.char("s"), .char("d")), [])
        XCTAssertEqual(m.press(.char("x")), [])
        guard case .confirm(let p) = m.mode else { return XCTFail("x asks first: \(m.mode)") }
        XCTAssertTrue(p.question.contains("SIGTERM to process 101 (nginx: worker)"), p.question)
        XCTAssertEqual(m.press(.char("n")), [])
        XCTAssertEqual(m.status?.text, "cancelled")
        m.press(.char("K"))
        XCTAssertEqual(m.press(.char("y")), [.perform(.signalProcess(id: m.processes.id, name: m.processes.name, pid: 101, signal: SIGKILL))])
        let done = m.update(.actionFinished(ActionOutcome(action: .signalProcess(id: m.processes.id, name: m.processes.name, pid: 101, signal: SIGKILL), seconds: 0.01, error: nil)))
        XCTAssertEqual(done, [.sampleNow])
        XCTAssertEqual(m.status?.text.hasPrefix("sent SIGKILL to process 101 in \(m.processes.name)"), true, m.status?.text ?? "")
        // Esc goes back and stops the reads; a late read is dropped.
        XCTAssertEqual(m.press(.escape), [.watchProcesses(id: nil)])
        XCTAssertEqual(m.view, .containers)
        _ = m.update(.processes(id: m.processes.id, samples: [], at: 53, error: nil))
        XCTAssertEqual(m.processes.rows.count, 1)
    }

    func testRefusedWhereThereIsNoRunningContainerAndErrorsShow() throws {
        var m = Fixtures.model(samples: 3)
        for _ in 0..<20 where m.selected?.info.state.isRunning ?? true { m.press(.char("j")) }
        if let e = m.selected, !e.info.state.isRunning {
            XCTAssertEqual(m.press(.char("P")), [])
            XCTAssertEqual(m.status?.text, "\(e.name) is not running")
            XCTAssertEqual(m.view, .containers)
        } else {
            XCTFail("the fixture has a stopped container")
        }
        var o = try opened()
        _ = o.update(.processes(id: o.processes.id, samples: [], at: 52, error: "container web-1 is not running"))
        XCTAssertTrue(Golden.render(o).text().contains("could not list the processes of"))
        XCTAssertEqual(o.press(.char("x")), [])
        XCTAssertEqual(o.status?.text, "no process selected")
    }

    func testTheCommandLineOpensIt() throws {
        var m = Fixtures.model(samples: 3)
        try selectRunning(&m)
        m.press(.char(":")); m.type("ps")
        XCTAssertEqual(m.press(.enter), [.watchProcesses(id: try XCTUnwrap(m.selectedID))])
        XCTAssertEqual(m.view, .processes)
    }

    func testScreens() throws {
        try Golden.assertMatrix("processes") { s in
            var m = try opened(columns: s.columns, rows: s.rows, mode: s.mode, unicode: s.unicode)
            m.press(.char("j"))
            return m
        }
    }
}
