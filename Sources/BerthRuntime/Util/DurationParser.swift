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

    /// Resolves a `--since` value to an instant. Timestamps without a zone are read in `timeZone`, as
    /// docker reads them in the client's local zone.
    public static func parseTime(_ text: String, now: Date, timeZone: TimeZone = .current) throws(BerthError) -> Date {
        if let seconds = try? parseDuration(text), text != "0" {
            return now.addingTimeInterval(-seconds)
        }
        if text.contains("-") {
            guard let date = RFC3339Timestamp(text, defaultOffset: timeZone.secondsFromGMT(for: now))?.date else {
                throw .invalidArgument("invalid timestamp \(text.quoted): expected RFC 3339 such as 2026-11-29T10:00:00Z")
            }
            return date
        }
        guard let seconds = unixSeconds(text) else {
            throw .invalidArgument("invalid time \(text.quoted): expected a duration such as 10m, "
                + "an RFC 3339 timestamp or unix seconds")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    private static let unitSeconds: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]

    /// "1700000000" or "1700000000.5"; no sign, no exponent.
    private static func unixSeconds(_ text: String) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.allSatisfy({ !$0.isEmpty }),
              text.allSatisfy({ $0.isASCIIDigit || $0 == "." }) else { return nil }
        return Double(text)
    }
}

/// "2026-11-29", "2026-11-29T10", "2026-11-29T10:00", "2026-11-29T10:00:00.5+01:00" and so on: the
/// prefixes of RFC 3339 that docker accepts, each with an optional "Z" or "±hh:mm" zone.
struct RFC3339Timestamp {
    var date: Date

    init?(_ text: String, defaultOffset: Int) {
        var scanner = FixedWidthScanner(Substring(text))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2),
              (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if scanner.skip("T") || scanner.skip("t") {
            guard let h = scanner.number(digits: 2), h < 24 else { return nil }
            hour = h
            if scanner.skip(":") {
                guard let m = scanner.number(digits: 2), m < 60 else { return nil }
                minute = m
                if scanner.skip(":") {
                    guard let s = scanner.number(digits: 2), s < 60 else { return nil }
                    second = s
                    if scanner.skip(".") {
                        guard let f = scanner.fraction() else { return nil }
                        fraction = f
                    }
                }
            }
        }
        var offset = defaultOffset
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let signChar = scanner.rest.first, signChar == "+" || signChar == "-" {
            _ = scanner.skip(signChar)
            guard let oh = scanner.number(digits: 2), scanner.skip(":"), let om = scanner.number(digits: 2),
                  oh < 24, om < 60 else { return nil }
            offset = (signChar == "-" ? -1 : 1) * (oh * 3600 + om * 60)
        }
        guard scanner.rest.isEmpty else { return nil }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        date = Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's `days_from_civil`: exact for the proleptic Gregorian calendar, no Calendar needed.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Reads fixed-width fields off the front of a string.
struct FixedWidthScanner {
    var rest: Substring

    init(_ text: Substring) { rest = text }

    mutating func number(digits: Int) -> Int? {
        let field = rest.prefix(digits)
        guard field.count == digits, field.allSatisfy(\.isASCIIDigit) else { return nil }
        rest = rest.dropFirst(digits)
        return Int(field)
    }

    mutating func fraction() -> Double? {
        let field = rest.prefix(while: \.isASCIIDigit)
        guard !field.isEmpty, field.count <= 9 else { return nil }
        rest = rest.dropFirst(field.count)
        return Double("0." + field)
    }

    mutating func skip(_ character: Character) -> Bool {
        guard rest.first == character else { return false }
        rest.removeFirst()
        return true
    }
}
