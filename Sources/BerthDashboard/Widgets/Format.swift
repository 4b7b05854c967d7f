import BerthRuntime
import Foundation

/// Short, fixed-width-friendly numbers for table cells.
public enum Format {
    /// 1023 → "1023B", 1536 → "1.5K", 3 GiB → "3.0G".
    public static func bytes(_ v: UInt64) -> String { bytes(Double(v)) }

    public static func bytes(_ v: Double) -> String {
        let units = ["B", "K", "M", "G", "T", "P"]
        var x = max(0, v.isFinite ? v : 0)
        var i = 0
        while x >= 1024, i < units.count - 1 { x /= 1024; i += 1 }
        if i == 0 { return "\(Int(x))B" }
        return x < 10 ? String(format: "%.1f%@", x, units[i]) : "\(Int(x.rounded()))\(units[i])"
    }

    /// A rate per second, "0" when idle so quiet rows stay quiet.
    public static func rate(_ v: Double) -> String {
        v < 0.5 ? "0" : bytes(v)
    }

    public static func percent(_ v: Double) -> String {
        let x = max(0, v.isFinite ? v : 0)
        return x >= 100 ? String(format: "%.0f%%", x) : String(format: "%.1f%%", x)
    }

    /// 45 → "45s", 3700 → "1h1m", 200000 → "2d7h".
    public static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        return "\(s / 86400)d\(s % 86400 / 3600)h"
    }

    /// Action timings for the status bar: "0.3 s", "12 ms".
    public static func seconds(_ s: Double) -> String {
        s < 0.1 ? "\(Int((s * 1000).rounded())) ms" : String(format: "%.1f s", s)
    }

    /// "2026-11-29 10:00:00" at the given offset from UTC.
    public static func dateTime(_ d: Date, utcOffset: Int) -> String {
        let c = civil(d, utcOffset: utcOffset)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// "10:00:05" at the given offset from UTC (since when a host does not answer).
    public static func time(_ d: Date, utcOffset: Int) -> String {
        let c = civil(d, utcOffset: utcOffset)
        return String(format: "%02d:%02d:%02d", c.hour, c.minute, c.second)
    }

    /// "10:00:00.123" for log timestamps.
    public static func clock(nanos: Int64, utcOffset: Int) -> String {
        let d = Date(timeIntervalSince1970: Double(nanos / 1_000_000_000))
        let c = civil(d, utcOffset: utcOffset)
        let ms = Int((nanos % 1_000_000_000) / 1_000_000)
        return String(format: "%02d:%02d:%02d.%03d", c.hour, c.minute, c.second, ms)
    }

    /// Calendar fields of a date at the given offset from UTC (the runtime's `Timestamp` arithmetic).
    static func civil(_ d: Date, utcOffset: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let c = Timestamp(d).civil(utcOffset: utcOffset)
        return (Int(c.year), c.month, c.day, c.hour, c.minute, c.second)
    }
}
