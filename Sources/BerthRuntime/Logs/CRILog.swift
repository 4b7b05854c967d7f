import Foundation

/// The Kubernetes CRI log format the shim writes: `TIMESTAMP STREAM TAG TEXT`, TAG `F` for a
/// full line and `P` for a part of a longer one.
public enum CRILog {
    public static func parse(_ line: Substring) -> LogLine? {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, let ts = parseTimestamp(parts[0]) else { return nil }
        let stream: LogStream
        switch parts[1] {
        case "stdout": stream = .stdout
        case "stderr": stream = .stderr
        default: return nil
        }
        let complete: Bool
        switch parts[2] {
        case "F": complete = true
        case "P": complete = false
        default: return nil
        }
        return LogLine(timestampNanos: ts, stream: stream, complete: complete, text: parts.count > 3 ? String(parts[3]) : "")
    }

    public static func parse(_ line: String) -> LogLine? { parse(line[...]) }

    /// `2026-11-29T10:00:00.123456789Z` → unix nanoseconds.
    public static func parseTimestamp(_ s: Substring) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 45, u[10] == 84 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int64? {
            var v: Int64 = 0
            for i in a..<b { guard u[i] >= 48 && u[i] <= 57 else { return nil }; v = v * 10 + Int64(u[i] - 48) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
              let se = num(17, 19) else { return nil }
        var nanos: Int64 = 0
        var i = 19
        if i < u.count && u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int64(u[i] - 48); digits += 1 }
                i += 1
            }
            while digits < 9 { nanos *= 10; digits += 1 }
        }
        guard i < u.count, u[i] == 90 else { return nil }
        // Unix nanoseconds fit an Int64 only from 1677 to 2262: a year outside is no timestamp.
        let (scaled, overflow) = (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = scaled.addingReportingOverflow(nanos)
        return overflow || carry ? nil : total
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Joins P records with the F record that ends them, as `logs` shows them.
    public static func joinPartials(_ lines: [LogLine]) -> [LogLine] {
        var out: [LogLine] = []
        var pending: [LogStream: LogLine] = [:]
        for l in lines {
            if var p = pending[l.stream] {
                p.text += l.text
                p.complete = l.complete
                if l.complete { out.append(p); pending[l.stream] = nil } else { pending[l.stream] = p }
            } else if l.complete {
                out.append(l)
            } else {
                pending[l.stream] = l
            }
        }
        out.append(contentsOf: pending.values)
        return out
    }
}
