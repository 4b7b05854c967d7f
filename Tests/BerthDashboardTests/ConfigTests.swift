@testable import BerthDashboard
import XCTest

final class ConfigTests: XCTestCase {
    func testTheStandardKeyTableHasNoClashes() {
        XCTAssertTrue(KeyTable.standard.clashes().isEmpty, "\(KeyTable.standard.clashes())")
        // Every action has a key and a help text.
        for action in KeyAction.allCases {
            let b = KeyTable.standard.binding(action)
            XCTAssertNotNil(b, "\(action) is not in the key table")
            XCTAssertFalse(b?.keys.isEmpty ?? true)
            XCTAssertFalse(b?.help.isEmpty ?? true)
        }
    }

    func testHelpIsGeneratedFromTheKeyTable() {
        let m = Fixtures.model(columns: 200, rows: 60)
        // Each view's help lists its own keys: between them, every binding.
        var lines = HelpOverlay.lines(m)
        for view in ["4", "5", "6", "7", "i", "P"] {
            var other = m
            other.press(.char(Character(view)))
            lines += HelpOverlay.lines(other)
        }
        for b in KeyTable.standard.bindings {
            XCTAssertTrue(lines.contains { $0.1 == b.help }, "help lacks \(b.action)")
        }
        var n = m
        n = n.rebindingForTest(.kill, [.char("x")])
        XCTAssertTrue(HelpOverlay.lines(n).contains { $0.0 == "x" && $0.1.hasPrefix("Kill") })
    }

    func testRemappedKeysDispatch() throws {
        let c = try DashboardConfig.parse("""
        theme: nord
        interval: 2.5
        graph: block
        all: true
        keys:
          kill: [x, ctrl-k]
          quit: Q
        """, file: "config.yaml")
        XCTAssertEqual(c.theme, "nord")
        XCTAssertEqual(c.interval, 2.5)
        XCTAssertEqual(c.graph, .block)
        XCTAssertEqual(c.showAll, true)
        XCTAssertEqual(c.keys.keys(for: .kill), [.char("x"), .ctrl("k")])
        XCTAssertEqual(c.keys.action(for: .char("Q"), scope: .containers), .quit)
        XCTAssertNil(c.keys.action(for: .char("q"), scope: .containers))
        var m = DashboardModel(size: TerminalSize(columns: 120, rows: 40), keys: c.keys)
        _ = m.update(.snapshot(Fixtures.snapshot(Fixtures.standard, k: 1)))
        m.press(.char("x"))
        guard case .confirm = m.mode else { return XCTFail("x should ask to kill") }
    }

    func testClashIsReportedWithTheLineAndBothKeepTheirKeys() throws {
        let c = try DashboardConfig.parse("keys:\n  wrap: W\n  kill: k\n", file: "c.yaml")
        XCTAssertEqual(c.problems.count, 1)
        XCTAssertEqual(c.problems.first?.line, 3)
        XCTAssertEqual(c.problems.first?.reason, "key 'k' is bound to both up and kill; both keep their standard keys")
        XCTAssertEqual(c.keys.keys(for: .kill), KeyTable.standard.keys(for: .kill))
        XCTAssertEqual(c.keys.keys(for: .wrap), [.char("W")], "the remap without a clash still applies")
        // The same key in two different panes is fine.
        XCTAssertEqual(try DashboardConfig.parse("keys:\n  follow: o\n", file: "c.yaml").problems, [])
    }

    /// Issue 15 item 13: only the first problem was reported and a clash discarded the whole
    /// config. Each wrong setting is reported with its line; the others apply.
    func testBadConfigValues() throws {
        let cases: [(String, Int, String)] = [
            ("keys:\n  explode: x\n", 2, "unknown action 'explode'"),
            ("keys:\n  kill: ctrl-\n", 2, "'ctrl-' is not a key name"),
            ("interval: 0\n", 1, "interval must be"),
            ("graph: dots\n", 1, "graph must be"),
            ("colour: red\n", 1, "unknown setting 'colour'"),
        ]
        for (yaml, line, reason) in cases {
            let c = try DashboardConfig.parse(yaml, file: "c.yaml")
            XCTAssertEqual(c.problems.count, 1, yaml)
            XCTAssertEqual(c.problems.first?.line, line, yaml)
            XCTAssertTrue(c.problems.first?.reason.contains(reason) ?? false, "\(c.problems)")
        }
        let all = try DashboardConfig.parse("theme: nord\ninterval: 0\ngraph: dots\nkeys:\n  explode: x\n  wrap: W\nall: true\n", file: "c.yaml")
        XCTAssertEqual(all.problems.map(\.line), [2, 3, 5])
        XCTAssertEqual(all.theme, "nord")
        XCTAssertEqual(all.showAll, true)
        XCTAssertEqual(all.keys.keys(for: .wrap), [.char("W")])
        XCTAssertNil(all.interval)
        XCTAssertThrowsError(try DashboardConfig.parse("- a\n- b\n", file: "c.yaml"), "not a mapping: nothing to keep")
    }

    func testEveryStartupProblemIsReachable() {
        var m = Fixtures.model(samples: 1)
        m.report(startupProblems: ["c.yaml:2: a", "c.yaml:3: b", "nord.yaml: c (theme skipped)"])
        XCTAssertEqual(m.status, StatusMessage("c.yaml:2: a (1 of 3; :problems for the next)", .error))
        _ = m.run(command: "problems")
        XCTAssertEqual(m.status?.text, "c.yaml:3: b (2 of 3; :problems for the next)")
        _ = m.run(command: "problems")
        _ = m.run(command: "problems")
        XCTAssertEqual(m.status?.text, "c.yaml:2: a (1 of 3; :problems for the next)")
    }

    func testKeyNamesRoundTrip() {
        for name in ["j", "ctrl-c", "up", "pgdn", "enter", "tab", "shift-tab", "esc", "space", "f1", "G", "/"] {
            XCTAssertNotNil(Key(name: name), name)
        }
        XCTAssertEqual(Key(name: "ctrl-c"), .ctrl("c"))
        XCTAssertEqual(Key(name: "G"), .char("G"))
        XCTAssertNil(Key(name: "hyper-x"))
        XCTAssertEqual(Key.ctrl("c").label(), "^C")
    }
}

extension DashboardModel {
    func rebindingForTest(_ action: KeyAction, _ keys: [Key]) -> DashboardModel {
        var m = self
        m.keys = m.keys.rebinding(action, to: keys)
        return m
    }
}
