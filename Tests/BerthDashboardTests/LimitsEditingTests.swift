import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// `u` and `:update`: a container's limits edited on the command line, applied by the engine's
/// update path (the same as `berth update`), the row busy while it runs.
final class LimitsEditingTests: XCTestCase {
    func model(_ infos: [ContainerInfo]) -> DashboardModel { Fixtures.model(infos, samples: 3) }

    func testUFillsTheCommandLineWithTodaysLimits() throws {
        var m = model([Fixtures.container(1, "api", memoryLimit: 64 << 20, cpus: 0.5)])
        XCTAssertEqual(m.press(.char("u")), [])
        XCTAssertEqual(m.mode, .command("update api memory=64m cpus=0.5 pids=100"))
        XCTAssertTrue(Golden.render(m).text().contains(":update api memory=64m cpus=0.5 pids=100"))
        // Edit the memory word and apply.
        for _ in 0..<"64m cpus=0.5 pids=100".count { m.press(.backspace) }
        m.type("96m cpus=1.5 pids=200")
        var change = ContainerUpdate()
        change.memory = 96 << 20; change.cpus = 1.5; change.pidsLimit = 200
        let id = Fixtures.id(1)
        XCTAssertEqual(m.press(.enter), [.perform(.update(id: id, name: "api", change: change))])
        XCTAssertEqual(m.busy[id], "updating")
        _ = m.update(.actionFinished(ActionOutcome(action: .update(id: id, name: "api", change: change), seconds: 0.02, error: nil)))
        XCTAssertNil(m.busy[id])
        XCTAssertEqual(m.status?.text.hasPrefix("updated the limits of api"), true, m.status?.text ?? "")
    }

    func testUnsetLimitsAreLeftEmptyAndEmptyValuesChangeNothing() {
        var m = model([Fixtures.container(1, "plain", memoryLimit: nil)])
        m.press(.char("u"))
        XCTAssertEqual(m.mode, .command("update plain memory= cpus= pids=100"))
        XCTAssertEqual(m.press(.enter), [.perform(.update(id: Fixtures.id(1), name: "plain", change: { var c = ContainerUpdate(); c.pidsLimit = 100; return c }()))])
        XCTAssertEqual(LimitsCommand.memoryWord(1 << 30), "1g")
        XCTAssertEqual(LimitsCommand.memoryWord(1536 << 10), "1536k")
        XCTAssertEqual(LimitsCommand.memoryWord(1000), "1000")
    }

    func testBadWordsAreRefusedWithOneLine() {
        for (line, expected) in [
            ("update api memory=lots", "invalid memory value"),
            ("update api cpus=-1", "--cpus"),
            ("update api pids=ten", "invalid pids value"),
            ("update api colour=red", "unknown limit 'colour'"),
            ("update api memory", "is not KEY=VALUE"),
            ("update api memory= cpus=", "nothing to change"),
            ("update api", "usage: :update NAME"),
            ("update nosuch memory=64m", "no such container: nosuch"),
            ("update api memory=\u{1b}[2J", "invalid memory value"),
        ] {
            var m = model([Fixtures.container(1, "api")])
            m.press(.char(":")); m.type(line)
            XCTAssertEqual(m.press(.enter), [], line)
            XCTAssertEqual(m.status?.kind, .error, line)
            let text = m.status?.text ?? ""
            XCTAssertTrue(text.contains(expected), "\(line): \(text)")
            XCTAssertFalse(text.contains("\u{1b}") || text.contains("\n"), "one line, no escapes: \(text)")
        }
    }

    func testAHeadingHasNoLimitsToEdit() throws {
        var m = Fixtures.model(samples: 3)
        m.press(.char("g"))
        if m.selectedService != nil {
            XCTAssertEqual(m.press(.char("u")), [])
            XCTAssertEqual(m.mode, .normal)
            XCTAssertEqual(m.status?.kind, .error)
        }
        m.press(.char("j"))
        XCTAssertNotNil(m.selected)
        m.press(.char("u"))
        guard case .command(let line) = m.mode else { return XCTFail("u opens the command line: \(m.mode)") }
        XCTAssertTrue(line.hasPrefix("update \(m.selected!.name) memory="), line)
    }
}
