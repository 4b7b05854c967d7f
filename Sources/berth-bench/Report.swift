import Foundation

/// One line of the results table.
struct ResultRow {
    var benchmark: String
    var subject: String
    var n: String
    var median: String
    var p90: String
    /// e.g. "0.42× crun, 0.20× runc"
    var ratio: String = ""
    var target: String = ""
    /// nil = no target for this row.
    var met: Bool?
    var note: String = ""
    /// CPU time (user + system of the process tree), median; "" when not measured.
    var cpu: String = ""
    /// e.g. "1.80× crun, 0.50× runc"
    var cpuRatio: String = ""
}

/// Collects rows and notes; prints them as Markdown.
final class Report {
    private(set) var rows: [ResultRow] = []
    private(set) var notes: [String] = []
    private(set) var problems: [String] = []
    /// Raw measurements in run order (nanoseconds or bytes), written by `--raw DIR`.
    private(set) var rawSeries: [(name: String, values: [UInt64])] = []

    func raw(_ name: String, _ values: [UInt64]) { rawSeries.append((name, values)) }

    /// One `NAME.txt` per series, one value a line, in the order measured.
    func writeRaw(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, values) in rawSeries {
            try Files.write(dir + "/" + name + ".txt", values.map(String.init).joined(separator: "\n") + "\n")
        }
    }

    func add(_ row: ResultRow) {
        rows.append(row)
        // Progress on stderr so a long run shows where it is; the table goes to stdout at the end.
        let verdict = row.met.map { $0 ? "met" : "MISSED" } ?? ""
        let cpu = row.cpu.isEmpty ? "" : "; CPU \(row.cpu) \(row.cpuRatio)"
        FileHandle.standardError.write(Data("  \(row.benchmark) | \(row.subject): median \(row.median), p90 \(row.p90) \(row.ratio)\(cpu) \(verdict)\n".utf8))
    }

    func note(_ text: String) {
        notes.append(text)
        FileHandle.standardError.write(Data("  note: \(text)\n".utf8))
    }

    func problem(_ text: String) {
        problems.append(text)
        FileHandle.standardError.write(Data("  PROBLEM: \(text)\n".utf8))
    }

    func markdown(header: [String]) -> String {
        var out = header.map { $0 + "\n" }.joined()
        out += "\n| benchmark | subject | N | median | p90 | ratio | CPU median | CPU ratio | target | met |\n"
        out += "|---|---|---:|---:|---:|---|---:|---|---|---|\n"
        for r in rows {
            let met = r.met.map { $0 ? "yes" : "**no**" } ?? ""
            let subject = r.note.isEmpty ? r.subject : "\(r.subject) (\(r.note))"
            out += "| \(r.benchmark) | \(subject) | \(r.n) | \(r.median) | \(r.p90) | \(r.ratio) | \(r.cpu) | \(r.cpuRatio) | \(r.target) | \(met) |\n"
        }
        if !notes.isEmpty {
            out += "\nNotes:\n"
            for n in notes { out += "- \(n)\n" }
        }
        if !problems.isEmpty {
            out += "\nProblems:\n"
            for p in problems { out += "- \(p)\n" }
        }
        return out
    }
}

enum Fmt {
    static func ms(_ nanos: Double) -> String { String(format: "%.2f ms", nanos / 1e6) }
    static func s(_ nanos: Double) -> String { String(format: "%.2f s", nanos / 1e9) }
    static func us(_ nanos: Double) -> String { String(format: "%.1f µs", nanos / 1e3) }
    static func kib(_ bytes: Double) -> String { String(format: "%.0f KiB", bytes / 1024) }
    static func mib(_ bytes: Double) -> String { String(format: "%.1f MiB", bytes / 1048576) }
    static func ratio(_ a: Double, _ b: Double, _ name: String) -> String {
        b > 0 ? String(format: "%.2f×", a / b) + " " + name : ""
    }
    /// `a` against each reference that is not `a`'s own subject: "1.20× crun, 0.40× runc".
    static func ratios(_ a: Double, _ references: [(name: String, value: Double)], except own: String = "") -> String {
        references.filter { $0.name != own }.map { ratio(a, $0.value, $0.name) }.filter { !$0.isEmpty }.joined(separator: ", ")
    }
}
