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
        let lines = HelpOverlay.lines(m)
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

    func testClashIsReportedWithTheLine() {
        XCTAssertThrowsError(try DashboardConfig.parse("keys:\n  wrap: W\n  kill: k\n", file: "c.yaml")) { e in
            let err = e as? ConfigError
            XCTAssertEqual(err?.line, 3)
            XCTAssertEqual(err?.reason, "key 'k' is bound to both up and kill")
        }
        // The same key in two different panes is fine.
        XCTAssertNoThrow(try DashboardConfig.parse("keys:\n  follow: o\n", file: "c.yaml"))
    }

    func testBadConfigValues() {
        let cases: [(String, Int, String)] = [
            ("keys:\n  explode: x\n", 2, "unknown action 'explode'"),
            ("keys:\n  kill: ctrl-\n", 2, "'ctrl-' is not a key name"),
            ("interval: 0\n", 1, "interval must be"),
            ("graph: dots\n", 1, "graph must be"),
            ("colour: red\n", 1, "unknown setting 'colour'"),
        ]
        for (yaml, line, reason) in cases {
            XCTAssertThrowsError(try DashboardConfig.parse(yaml, file: "c.yaml"), yaml) { e in
                let err = e as? ConfigError
                XCTAssertEqual(err?.line, line, yaml)
                XCTAssertTrue(err?.reason.contains(reason) ?? false, "\(String(describing: err))")
            }
        }
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
