import Foundation

/// Left-aligned columns separated by three spaces, as docker prints them.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                s += i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }
            return s + "\n"
        }
        return ([header] + rows).map(line).joined()
    }

    static func quote(_ raw: String, max: Int) -> String {
        // One line per container: newlines and tabs of multi-line scripts become spaces.
        let s = String(raw.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        let cut = s.count > max ? String(s.prefix(max - 1)) + "…" : s
        return "\"" + cut + "\""
    }
}
