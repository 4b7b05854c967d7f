@testable import BerthDashboard
import Foundation
import XCTest

/// Compares a rendered screen with `Golden/<name>.txt` (the characters) and `Golden/<name>.style`
/// (every cell's colours and attributes, as one letter per cell and a legend), so a colour or
/// attribute regression fails like a text one.
///
/// `BERTH_UPDATE_GOLDEN=1` rewrites both files after an intended change, and still fails the test
/// (a run that wrote goldens is never green): review the diff, then run again without it. Under
/// CI (`CI` set) it refuses: CI compares, it never writes what it compares against.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func render(_ m: DashboardModel) -> MemoryTerminal {
        let t = MemoryTerminal(columns: m.size.columns, rows: m.size.rows)
        Renderer.render(m, on: t)
        return t
    }

    /// Letters for styles, in order of first use on the screen.
    static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func describe(_ c: TermColor) -> String {
        switch c {
        case .terminalDefault: return "default"
        case .indexed(let i): return "\(i)"
        case .rgb(let r, let g, let b): return "#" + [r, g, b].map { String(format: "%02x", $0) }.joined()
        }
    }

    static func describe(_ a: TextAttributes) -> String {
        let names: [(TextAttributes, String)] = [(.bold, "bold"), (.dim, "dim"), (.underline, "underline"), (.reverse, "reverse"), (.italic, "italic")]
        let on = names.filter { a.contains($0.0) }.map(\.1)
        return on.isEmpty ? "-" : on.joined(separator: ",")
    }

    /// The style map: `letter = foreground background attributes` per style, a `--` line, then one
    /// line per row with each cell's letter (the second half of a wide character repeats it).
    static func styleMap(_ t: MemoryTerminal) -> String {
        var index: [CellStyle: Character] = [:]
        var legend: [String] = []
        var rows: [String] = []
        for r in 0..<t.size.rows {
            var line = ""
            for c in 0..<t.size.columns {
                let style = t.cell(row: r, column: c).style
                if index[style] == nil {
                    let letter: Character = index.count < letters.count ? letters[index.count] : "?"
                    index[style] = letter
                    legend.append("\(letter) = \(describe(style.foreground)) \(describe(style.background)) \(describe(style.attributes))")
                }
                line.append(index[style] ?? "?")
            }
            rows.append(line)
        }
        return (legend + ["--"] + rows).joined(separator: "\n") + "\n"
    }

    /// One screen of the matrix every view's goldens cover (issue 15): each size in true colour
    /// (`80x24`, `120x40`, `250x60`), and at 120×40 each other mode (`120x40-8colours`, `-16colours`,
    /// `-256colours`, `-mono`, `-ascii`: 256 colours without UTF-8).
    struct Screen {
        var columns: Int, rows: Int, mode: ColorMode, unicode: Bool
        var suffix: String
    }

    static let matrix: [Screen] = [(80, 24), (120, 40), (250, 60)].map {
        Screen(columns: $0.0, rows: $0.1, mode: .truecolor, unicode: true, suffix: "\($0.0)x\($0.1)")
    } + [("8colours", ColorMode.color8, true), ("16colours", .color16, true), ("256colours", .color256, true),
         ("mono", .mono, true), ("ascii", .color256, false)].map {
        Screen(columns: 120, rows: 40, mode: $0.1, unicode: $0.2, suffix: "120x40-" + $0.0)
    }

    /// Checks a view's screen in every cell of the matrix: `make` builds the model for one; an
    /// ASCII screen must hold no other character.
    static func assertMatrix(_ view: String, names: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line,
                             _ make: (Screen) throws -> DashboardModel) rethrows {
        for screen in matrix {
            let m = try make(screen)
            assertScreen(m, names[screen.suffix] ?? "\(view)-\(screen.suffix)", file: file, line: line)
            if !screen.unicode {
                XCTAssertFalse(render(m).text().unicodeScalars.contains { $0.value > 0x7f }, "non-ASCII in \(view) \(screen.suffix)",
                               file: file, line: line)
            }
        }
    }

    static var updating: Bool { !(ProcessInfo.processInfo.environment["BERTH_UPDATE_GOLDEN"] ?? "").isEmpty }
    static var underCI: Bool { !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    static func assertScreen(_ m: DashboardModel, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let terminal = render(m)
        let files = [(name + ".txt", terminal.text()), (name + ".style", styleMap(terminal))]
        if updating {
            guard !underCI else {
                return XCTFail("refusing to update goldens under CI (BERTH_UPDATE_GOLDEN and CI are both set)", file: file, line: line)
            }
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (fileName, content) in files {
                let url = directory.appendingPathComponent(fileName)
                do { try content.write(to: url, atomically: true, encoding: .utf8) } catch {
                    XCTFail("could not write \(url.path): \(error)", file: file, line: line)
                }
            }
            return XCTFail("golden \(name).txt and \(name).style written (BERTH_UPDATE_GOLDEN is set): review the diff, then run again without it",
                           file: file, line: line)
        }
        for (fileName, actual) in files {
            let url = directory.appendingPathComponent(fileName)
            guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
                XCTFail("missing golden file \(url.path); run locally with BERTH_UPDATE_GOLDEN=1", file: file, line: line)
                continue
            }
            guard actual != expected else { continue }
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            XCTFail("screen differs from \(fileName) at line \(first + 1):\nexpected: \(first < a.count ? String(a[first]) : "<none>")\nactual:   \(first < b.count ? String(b[first]) : "<none>")\n\nactual:\n\(actual)", file: file, line: line)
        }
    }
}
