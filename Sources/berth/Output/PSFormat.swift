import BerthOS
import BerthRuntime
import Foundation

/// `ps --format` (and the other listings': `images`, `history`): `json` (one object per row per
/// line), `table TEMPLATE` (a header from the fields' titles, columns split at tabs and aligned),
/// or a bare template (one line per row). nil for the default table (`--format table` or none).
struct PSFormat {
    enum Kind { case json, table(Template), lines(Template) }
    let kind: Kind

    init?(_ format: String?) throws {
        guard let format, format != "table" else { return nil }
        if format == "json" {
            kind = .json
        } else if format.hasPrefix("table ") || format.hasPrefix("table\t") {
            kind = .table(try Template(String(format.dropFirst(6))))
        } else {
            kind = .lines(try Template(format))
        }
    }

    func render(_ list: [ContainerInfo], now: Date, truncate: Bool) throws -> String {
        try render(list.map { PSRow.value($0, now: now, truncate: truncate) }, header: PSRow.headerValue)
    }

    /// Rows as documents with `header` giving each field's column title.
    func render(_ values: [TemplateValue], header headerValue: TemplateValue) throws -> String {
        switch kind {
        case .json:
            return values.map { $0.jsonText + "\n" }.joined()
        case .lines(let t):
            return try values.map { try t.render($0) + "\n" }.joined()
        case .table(let t):
            let header = try t.render(headerValue).components(separatedBy: "\t")
            // A value holding a tab (a label) must not add a column: the extra cells stay in the last one.
            let rows = try values.map { v -> [String] in
                var cells = try t.render(v).components(separatedBy: "\t")
                if cells.count > header.count { cells = Array(cells.prefix(header.count - 1)) + [cells.dropFirst(header.count - 1).joined(separator: "\t")] }
                while cells.count < header.count { cells.append("") }
                return cells
            }
            return Table.render(header: header, rows: rows)
        }
    }
}
