@testable import BerthDashboard
import Foundation
import XCTest

final class ThemeTests: XCTestCase {
    static let themesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../themes").standardized

    func testEveryShippedThemeParsesAndSetsEveryRole() throws {
        let catalog = ThemeCatalog.builtin()
        XCTAssertEqual(catalog.errors, [])
        XCTAssertEqual(catalog.themes.map(\.name), ["default", "light", "high-contrast", "nord", "gruvbox", "solarized-dark"])
        for t in catalog.themes {
            for role in ThemeRole.allCases { XCTAssertNotNil(t.roles[role], "\(t.name) lacks \(role.rawValue)") }
            for g in ThemeGradient.allCases { XCTAssertGreaterThanOrEqual(t.gradients[g]?.count ?? 0, 2, "\(t.name) \(g)") }
        }
    }

    func testEmbeddedThemesMatchTheFilesInThemes() throws {
        for file in BuiltinThemes.files {
            let url = Self.themesDir.appendingPathComponent(file.name + ".yaml")
            let text = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(text, file.yaml + "\n", "themes/\(file.name).yaml changed: run themes/generate-builtin.sh")
        }
    }

    func testRoleForms() throws {
        let t = try ThemeLoader.parse("""
        name: t
        palette:
          accent: "#88c0d0"
        roles:
          text: "#fff"
          selection: { fg: black, bg: accent, bold: true, underline: true }
          error: bright-red
          muted: 244
        gradients:
          cpu: [green, yellow, red]
        """, file: "t.yaml")
        XCTAssertEqual(t.roles[.text]?.foreground, .rgb(255, 255, 255))
        XCTAssertEqual(t.roles[.selection], RoleStyle(foreground: .indexed(0), background: .rgb(0x88, 0xc0, 0xd0), attributes: [.bold, .underline]))
        XCTAssertEqual(t.roles[.error]?.foreground, .indexed(9))
        XCTAssertEqual(t.roles[.muted]?.foreground, .indexed(244))
        XCTAssertEqual(t.gradients[.cpu], [.indexed(2), .indexed(3), .indexed(1)])
        // Unset roles fall back to text on the background.
        XCTAssertEqual(t.style(.title).foreground, .rgb(255, 255, 255))
    }

    func assertBad(_ yaml: String, line: Int?, contains reason: String, file: StaticString = #filePath, l: UInt = #line) {
        XCTAssertThrowsError(try ThemeLoader.parse(yaml, file: "bad.yaml"), file: file, line: l) { error in
            guard let e = error as? ConfigError else { return XCTFail("not a ConfigError: \(error)", file: file, line: l) }
            XCTAssertEqual(e.file, "bad.yaml", file: file, line: l)
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: l)
            XCTAssertTrue(e.reason.contains(reason), e.reason, file: file, line: l)
        }
    }

    func testBadFilesReportFileLineAndReason() {
        assertBad("name: x\nroles:\n  text: white\n  txet: red\n", line: 4, contains: "unknown role 'txet'")
        assertBad("name: x\nroles:\n  text: \"#12345\"\n", line: 3, contains: "'#12345' is not a colour")
        assertBad("name: x\nroles:\n  text: { fg: white, blink: true }\n", line: 3, contains: "unknown setting 'blink'")
        assertBad("name: x\nroles:\n  text: [white\n", line: 4, contains: "invalid YAML")
        assertBad("roles:\n  text: white\n", line: nil, contains: "no name")
        assertBad("name: x\ncolours: {}\n", line: 2, contains: "unknown key 'colours'")
        assertBad("name: x\nroles:\n  text: white\ngradients:\n  cpu: red\n", line: 5, contains: "must be a list")
        assertBad("name: x\nroles:\n  selection: { bold: maybe }\n  text: white\n", line: 3, contains: "true or false")
    }

    func testCatalogLoadsUserThemesAndReportsBadOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-themes-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: mine\nroles:\n  text: red\n".write(to: dir.appendingPathComponent("mine.yaml"), atomically: true, encoding: .utf8)
        try "name: nord\nroles:\n  text: blue\n".write(to: dir.appendingPathComponent("nord.yml"), atomically: true, encoding: .utf8)
        try "name: broken\nroles:\n  text: notacolour\n".write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let c = ThemeCatalog.load(userDirectory: dir.path)
        XCTAssertEqual(c.named("mine")?.roles[.text]?.foreground, .indexed(1))
        XCTAssertEqual(c.named("nord")?.roles[.text]?.foreground, .indexed(4), "a user theme replaces a shipped one")
        XCTAssertEqual(c.errors.count, 1)
        XCTAssertEqual(c.errors.first?.file, dir.appendingPathComponent("broken.yaml").path)
        XCTAssertEqual(c.errors.first?.line, 3)
        XCTAssertNil(c.named("broken"))
        XCTAssertEqual(c.themes.first?.name, "default")
    }

    func testColourModes() {
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 256, rgbCapability: false, environment: ["NO_COLOR": "1"]), .mono)
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 256, rgbCapability: false, environment: ["NO_COLOR": ""]), .color256)
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 256, rgbCapability: true, environment: [:]), .truecolor)
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 0x1000000, rgbCapability: false, environment: [:]), .truecolor)
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 8, rgbCapability: false, environment: [:]), .color8)
        XCTAssertEqual(ColorMode.detect(hasColors: true, colors: 16, rgbCapability: false, environment: [:]), .color16)
        XCTAssertEqual(ColorMode.detect(hasColors: false, colors: 0, rgbCapability: false, environment: [:]), .mono)
        XCTAssertEqual(ColorMode.color256.resolve(.rgb(255, 0, 0)), .indexed(196))
        XCTAssertEqual(ColorMode.color256.resolve(.rgb(0x80, 0x80, 0x80)), .indexed(244))
        XCTAssertEqual(ColorMode.color16.resolve(.rgb(250, 10, 10)), .indexed(9))
        XCTAssertEqual(ColorMode.color16.resolve(.indexed(196)), .indexed(9))
        XCTAssertEqual(ColorMode.truecolor.resolve(.rgb(1, 2, 3)), .rgb(1, 2, 3))
        XCTAssertEqual(ColorMode.mono.resolve(.rgb(1, 2, 3)), .terminalDefault)
    }
}
