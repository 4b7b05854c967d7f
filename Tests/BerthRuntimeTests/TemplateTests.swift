@testable import BerthOS
@testable import BerthRuntime
import Foundation
import XCTest

/// The `--format` template engine: what docker users write, and hostile input refused in one line.
final class TemplateTests: XCTestCase {
    let data = TemplateValue(json: try! JSONSerialization.jsonObject(with: Data("""
    {"Id": "abc123", "Name": "/web",
     "State": {"Status": "running", "Running": true, "Paused": false, "Pid": 4242, "ExitCode": 0},
     "Config": {"Image": "busybox", "Cmd": ["sleep", "60"], "Labels": {"tier": "front", "com.example.v": "2"}},
     "NetworkSettings": {"IPAddress": "10.0.0.2"},
     "Mounts": [{"Source": "/a", "Destination": "/x"}, {"Source": "/b", "Destination": "/y"}],
     "Empty": [], "Time": 1700000000123456789}
    """.utf8)))

    func render(_ t: String) throws -> String { try Template(t).render(data) }

    func testPathsAndFunctions() throws {
        XCTAssertEqual(try render("{{.State.Status}}"), "running")
        XCTAssertEqual(try render("{{.NetworkSettings.IPAddress}} {{.State.Pid}} {{.State.Running}}"), "10.0.0.2 4242 true")
        XCTAssertEqual(try render("{{json .Config.Cmd}}"), #"["sleep","60"]"#)
        XCTAssertEqual(try render("{{json .State}}"), #"{"ExitCode":0,"Paused":false,"Pid":4242,"Running":true,"Status":"running"}"#)
        XCTAssertEqual(try render("{{.Config.Cmd}}"), "[sleep 60]")
        XCTAssertEqual(try render("{{.Config.Labels}}"), "map[com.example.v:2 tier:front]")
        XCTAssertEqual(try render("{{index .Config.Labels \"com.example.v\"}}"), "2")
        XCTAssertEqual(try render("{{join .Config.Cmd \",\"}}"), "sleep,60")
        XCTAssertEqual(try render("{{.Config.Image | upper}}"), "BUSYBOX")
        XCTAssertEqual(try render("{{len .Mounts}}"), "2")
        XCTAssertEqual(try render("{{.Time}}"), "1700000000123456789", "integers keep every digit")
        XCTAssertEqual(try render("{{.Missing}}|{{.Missing.Deeper}}"), "<no value>|<no value>")
        XCTAssertEqual(try render("{{index .Config.Cmd 1}}"), "60")
        XCTAssertEqual(try render("{{println .Id}}"), "abc123\n")
        XCTAssertEqual(try render(#"{{.Id}}\t{{.Name}}\n"#), "abc123\t/web\n", "the CLI's \\t and \\n")
    }

    func testControlFlow() throws {
        XCTAssertEqual(try render("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}"), "/a:/x /b:/y ")
        XCTAssertEqual(try render("{{range .Empty}}x{{else}}none{{end}}"), "none")
        XCTAssertEqual(try render("{{if .State.Running}}up{{else}}down{{end}}"), "up")
        XCTAssertEqual(try render("{{if .State.Paused}}p{{else if .State.Running}}r{{else}}x{{end}}"), "r")
        XCTAssertEqual(try render("{{with .NetworkSettings}}{{.IPAddress}}{{end}}"), "10.0.0.2")
        XCTAssertEqual(try render("a  {{- .Id -}}  b{{/* a comment */}}"), "aabc123b")
        XCTAssertEqual(try render("{{range .Config.Labels}}{{.}};{{end}}"), "2;front;", "maps range over values in key order")
    }

    /// Every refusal is one line naming what is wrong; nothing traps or runs unbounded.
    func testHostileTemplatesAreRefused() throws {
        let bad = [
            "{{", "{{.State", "{{end}}", "{{if .State}}", "{{range .Mounts}}{{else}}", "{{nosuch .Id}}",
            "{{.Id .Name}}", "{{$x := 1}}", "{{define \"a\"}}{{end}}", "{{\"unterminated}}", "{{|}}",
            "{{json}}", "{{index .Config.Cmd 9}}", "{{range .Id}}{{end}}", "{{(((((.Id}}", "{{/* open }}",
            String(repeating: "{{if 1}}", count: 40) + String(repeating: "{{end}}", count: 40),
            String(repeating: "{{(", count: 1) + String(repeating: "(", count: 100) + ".Id" + String(repeating: ")", count: 101) + "}}",
        ]
        for t in bad {
            XCTAssertThrowsError(try render(t), t) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("template"), "\(t): \(text)")
                XCTAssertFalse(text.contains("\n"), t)
            }
        }
        XCTAssertThrowsError(try Template(String(repeating: "x", count: Template.maxTemplateBytes + 1)))
        // 1000 × 100000 iterations of nothing would still take long: iterations count as work.
        let big = TemplateValue.object(["L": .array(Array(repeating: .integer(1), count: 1000))])
        XCTAssertThrowsError(try Template("{{range .L}}{{range 100000}}{{end}}{{end}}").render(big)) {
            XCTAssertTrue("\($0)".contains("too much work"), "\($0)")
        }
    }

    func testOutputBound() throws {
        let long = TemplateValue.object(["S": .string(String(repeating: "y", count: 1 << 20)),
                                         "L": .array(Array(repeating: .object(["S": .string(String(repeating: "y", count: 1 << 20))]), count: 40))])
        XCTAssertThrowsError(try Template("{{range .L}}{{.S}}{{end}}").render(long)) {
            XCTAssertTrue("\($0)".contains("output larger than"), "\($0)")
        }
    }
}
