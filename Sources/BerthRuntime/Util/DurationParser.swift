import BerthOS
import Foundation

/// docker's time arguments (`logs --since/--until`): a Go duration counted back from `now`, an
/// RFC 3339 timestamp or a part of one, or unix seconds.
public enum DurationParser {
    /// Go's `time.ParseDuration` grammar: "10s", "5m", "1h30m", "250ms", "1.5h", "-2m", units
    /// ns, us (µs), ms, s, m, h. Returns seconds. A bare number other than "0" is not a duration.
    public static func parseDuration(_ text: String) throws(BerthError) -> TimeInterval {
        let invalid = BerthError.invalidArgument(
            "invalid duration \(text.quoted): expected a number and a unit such as 10s, 5m, 1h30m or 250ms")
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest.removeFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw invalid }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCIIDigit || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCIIDigit || $0 == ".") }
            rest = rest.dropFirst(unit.count)
            guard number.contains(where: \.isASCIIDigit), number.filter({ $0 == "." }).count <= 1,
                  let value = Double(number.hasPrefix(".") ? "0" + number : String(number)),
                  let scale = unitSeconds[String(unit)] else { throw invalid }
            total += value * scale
        }
        guard total.isFinite else { throw invalid }
        return sign * total
    }

    /// Resolves a `--since`/`--until` value to an instant. Timestamps without a zone are read in
    /// `timeZone`, as docker reads them in the client's local zone.
    public static func parseTimestamp(_ text: String, now: Date, timeZone: TimeZone = .current) throws(BerthError) -> Timestamp {
        if let seconds = try? parseDuration(text), text != "0" {
            return Timestamp(now.addingTimeInterval(-seconds))
        }
        if text.contains("-") {
            guard let t = Timestamp(rfc3339Prefix: text, defaultOffset: timeZone.secondsFromGMT(for: now)) else {
                throw .invalidArgument("invalid timestamp \(text.quoted): expected RFC 3339 such as 2026-11-29T10:00:00Z")
            }
            return t
        }
        guard let t = unixSeconds(text) else {
            throw .invalidArgument("invalid time \(text.quoted): expected a duration such as 10m, "
                + "an RFC 3339 timestamp or unix seconds")
        }
        return t
    }

    /// As `parseTimestamp`, as a `Date`.
    public static func parseTime(_ text: String, now: Date, timeZone: TimeZone = .current) throws(BerthError) -> Date {
        try parseTimestamp(text, now: now, timeZone: timeZone).date
    }

    private static let unitSeconds: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]

    /// "1700000000" or "1700000000.5" (up to nine fraction digits, kept exactly); no sign, no exponent.
    private static func unixSeconds(_ text: String) -> Timestamp? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.allSatisfy({ !$0.isEmpty }),
              text.allSatisfy({ $0.isASCIIDigit || $0 == "." }), let seconds = Int64(whole) else { return nil }
        guard parts.count == 2 else { return Timestamp(seconds: seconds) }
        let fraction = parts[1]
        guard fraction.count <= 9, !fraction.contains("."), let digits = Int32(fraction) else { return nil }
        var nanos = digits
        for _ in fraction.count..<9 { nanos *= 10 }
        return Timestamp(seconds: seconds, nanosecond: nanos)
    }
}
