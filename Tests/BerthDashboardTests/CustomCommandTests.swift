import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// `commands:` in config.yaml (as k9s plugins): parsed with a problem per bad entry, bound only to
/// free keys, run with the selection in the environment (never pasted into the command text).
final class CustomCommandTests: XCTestCase {
    static let config = """
    keys:
      kill: [X]
    commands:
      - {key: T, name: sockets, command: 'berth exec "$NAME" netstat -tln'}
      - {key: ctrl-t, name: wipe, command: 'berth rm -f "$ID"', confirm: true}
      - {key: f5, name: df, command: 'berth system df', scope: global, background: true}
      - {key: K, name: free-now, command: 'true'}
      - {key: s, name: clash, command: 'true'}
      - {key: T, name: twice, command: 'true'}
      - {key: Q}
      - {key: q2, command: 'true'}
      - {key: W, command: 'true', scope: everywhere}
      - {key: Y, command: 'true', colour: red}
    """

    func testEntriesAreValidatedOneByOne() throws {
        let c = try DashboardConfig.parse(Self.config, file: "config.yaml")
        XCTAssertEqual(c.commands.map(\.name), ["sockets", "wipe", "df", "free-now"], "K is free once kill moved to X")
        XCTAssertEqual(c.commands[1].confirm, true)
        XCTAssertEqual(c.commands[2].scope, .global)
        XCTAssertEqual(c.commands[2].background, true)
        let reasons = c.problems.map(\.reason)
        for expected in ["key 's' is already start-stop", "key 'T' is already command 'sockets'", "a command needs key and command",
                         "'q2' is not a key name", "scope must be container or global", "unknown field 'colour'"] {
            XCTAssertTrue(reasons.contains { $0.contains(expected) }, "\(expected) in \(reasons)")
        }
        XCTAssertTrue(c.problems.allSatisfy { $0.line != nil }, "each problem has its line")
        XCTAssertEqual(try DashboardConfig.parse("commands: 3\n", file: "c").problems.first?.reason, "commands must be a list of {key, name, command}")
    }

    func model() throws -> DashboardModel {
        let c = try DashboardConfig.parse(Self.config, file: "config.yaml")
        var m = Fixtures.model(samples: 3)
        m.customCommands = c.commands
        return m
    }

    func testTheKeyRunsWithTheSelectionInTheEnvironment() throws {
        var m = try model()
        for _ in 0..<10 where m.selected == nil { m.press(.char("j")) }
        let e = try XCTUnwrap(m.selected)
        let effects = m.press(.char("T"))
        guard case .runCustom(let run)? = effects.first else { return XCTFail("T runs the command: \(effects)") }
        XCTAssertEqual(run.command, "berth exec \"$NAME\" netstat -tln", "the text is the user's, untouched")
        XCTAssertEqual(run.environment["NAME"], e.name)
        XCTAssertEqual(run.environment["ID"], e.id)
        XCTAssertEqual(run.environment["IMAGE"], e.info.image)
        XCTAssertFalse(run.background)
        // Confirmed first: n runs nothing, y runs it.
        XCTAssertEqual(m.press(.ctrl("t")), [])
        guard case .confirm(let p) = m.mode else { return XCTFail("asks first") }
        XCTAssertEqual(p.question, "Run wipe on \(e.name)?")
        XCTAssertEqual(m.press(.char("n")), [])
        m.press(.ctrl("t"))
        guard case .runCustom(let wipe)? = m.press(.char("y")).first else { return XCTFail("y runs it") }
        XCTAssertEqual(wipe.environment["ID"], e.id)
        // Global: no selection needed, nothing in the environment.
        guard case .runCustom(let df)? = m.press(.function(5)).first else { return XCTFail("f5 runs df") }
        XCTAssertEqual(df.environment, [:])
        XCTAssertTrue(df.background)
        XCTAssertEqual(m.status?.text, "running df…")
    }

    func testOutcomesAndHelp() throws {
        var m = try model()
        XCTAssertEqual(m.update(.customFinished(name: "df", status: 0, lastLine: "Images 3 \u{1b}[2J", error: nil)), [.sampleNow])
        XCTAssertEqual(m.status?.kind, .success)
        XCTAssertEqual(m.status?.text.contains("\u{1b}"), false, "the command's output is escaped")
        _ = m.update(.customFinished(name: "df", status: 2, lastLine: "boom", error: nil))
        XCTAssertEqual(m.status?.text, "df exited with 2: boom")
        XCTAssertEqual(m.status?.kind, .error)
        _ = m.update(.customFinished(name: "df", status: nil, lastLine: nil, error: "custom commands are not available here"))
        XCTAssertEqual(m.status?.text, "df could not run: custom commands are not available here")
        let help = HelpOverlay.lines(m)
        XCTAssertTrue(help.contains { $0.0 == "Your commands (config.yaml)" })
        XCTAssertTrue(help.contains { $0.0 == "T" && $0.1.hasPrefix("sockets on the selection") })
        // On a service heading a container command refuses.
        m.press(.char("g"))
        if m.selectedService != nil {
            XCTAssertEqual(m.press(.char("T")), [])
            XCTAssertEqual(m.status?.kind, .error)
        }
    }
}
