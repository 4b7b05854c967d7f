@testable import BerthDashboard
import Foundation
import XCTest

/// Compares a rendered screen with `Golden/<name>.txt`. Run with BERTH_UPDATE_GOLDEN=1 to rewrite
/// the files after an intended change, then review the diff before committing.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func render(_ m: DashboardModel) -> MemoryTerminal {
        let t = MemoryTerminal(columns: m.size.columns, rows: m.size.rows)
        Renderer.render(m, on: t)
        return t
    }

    static func assertScreen(_ m: DashboardModel, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let screen = render(m).text()
        let url = directory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["BERTH_UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? screen.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden file \(url.path); run with BERTH_UPDATE_GOLDEN=1", file: file, line: line)
            return
        }
        if screen != expected {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = screen.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            XCTFail("screen differs from \(name).txt at line \(first + 1):\nexpected: \(first < a.count ? String(a[first]) : "<none>")\nactual:   \(first < b.count ? String(b[first]) : "<none>")\n\nactual screen:\n\(screen)", file: file, line: line)
        }
    }
}
