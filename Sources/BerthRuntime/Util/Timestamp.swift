import Foundation

/// An instant in UTC, to the nanosecond: the one reader and writer of RFC 3339 text in Berth (CRI
/// log records, image configs, JSON output, `logs --since/--until`). Seconds and nanoseconds are
/// kept apart so any year RFC 3339 can write fits (image configs carry Go's zero time,
/// 0001-01-01, which unix nanoseconds in an Int64 cannot hold).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    public var seconds: Int64
    /// 0..<1_000_000_000, added to `seconds`.
    public var nanosecond: Int32

    public init(seconds: Int64, nanosecond: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanosecond), "nanosecond out of range")
        self.seconds = seconds
        self.nanosecond = nanosecond
    }

    public init(unixNanoseconds n: Int64) {
        let (q, r) = n.quotientAndRemainder(dividingBy: 1_000_000_000)
        self.init(seconds: r < 0 ? q - 1 : q, nanosecond: Int32(r < 0 ? r + 1_000_000_000 : r))
    }

    /// `Date` holds a Double, so the fraction is rounded to the nearest nanosecond from the
    /// whole-second split (multiplying the whole value by 1e9 would lose ~100 ns).
    public init(_ date: Date) {
        // Clamped to what an Int64 of seconds holds: `--since 99999999999999999999s` is a date
        // far before any log, not a trap.
        let t = date.timeIntervalSince1970.isNaN ? 0 : min(max(date.timeIntervalSince1970, -9.2e18), 9.2e18)
        let whole = t.rounded(.down)
        let nanos = min(Int64(((t - whole) * 1e9).rounded()), 999_999_999)
        self.init(seconds: Int64(whole), nanosecond: Int32(nanos))
    }

    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanosecond) / 1e9) }

    /// Nanoseconds since the epoch as `LogLine` keeps them; nil outside 1678…2262.
    public var unixNanoseconds: Int64? {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (sum, overflow2) = scaled.addingReportingOverflow(Int64(nanosecond))
        return overflow2 ? nil : sum
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanosecond) < (b.seconds, b.nanosecond)
    }

    public var description: String { rfc3339 }
}

// MARK: - Parsing

extension Timestamp {
    /// Strict RFC 3339: `2026-11-29T10:00:00Z`, `2026-11-29T10:00:00.5+01:00`, `t`/`z` in lower
    /// case too. A fraction may have any number of digits; past the ninth they are dropped, as Go
    /// drops them. Nil for anything else: a space for the `T`, a missing zone, `+0100`,
    /// impossible dates (2025-02-29, 2026-04-31), hours past 23, leap seconds (`:60`).
    public init?(rfc3339 text: some StringProtocol) {
        guard let t = Self.parse(text, grammar: .strict) else { return nil }
        self = t
    }

    /// docker's `--since`/`--until` forms: any prefix of RFC 3339 from the date on
    /// (`2026-11-29`, `2026-11-29T10`, `2026-11-29T10:15`, …) with the zone optional; a time
    /// without a zone is read at `defaultOffset` seconds east of UTC (docker uses the client's zone).
    public init?(rfc3339Prefix text: some StringProtocol, defaultOffset: Int) {
        guard let t = Self.parse(text, grammar: .prefix(defaultOffset: defaultOffset)) else { return nil }
        self = t
    }

    /// The log reader's hot path: a record's timestamp field, as bytes.
    init?(rfc3339UTF8 bytes: UnsafeRawBufferPointer) {
        guard let t = Self.parse(bytes, grammar: .strict) else { return nil }
        self = t
    }

    enum Grammar {
        case strict
        case prefix(defaultOffset: Int)
    }

    private static func parse(_ text: some StringProtocol, grammar: Grammar) -> Timestamp? {
        var s = String(text)
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0), grammar: grammar) }
    }

    static func parse(_ u: UnsafeRawBufferPointer, grammar: Grammar) -> Timestamp? {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= u.count else { return nil }
            var v = 0
            for k in i..<(i + digits) {
                let c = u[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += digits
            return v
        }
        func skip(_ a: UInt8, or b: UInt8? = nil) -> Bool {
            guard i < u.count, u[i] == a || u[i] == b else { return false }
            i += 1
            return true
        }
        let strict: Bool
        var offset: Int
        switch grammar {
        case .strict: strict = true; offset = 0
        case .prefix(let o): strict = false; offset = o
        }
        guard let year = number(4), skip(0x2d), let month = number(2), skip(0x2d), let day = number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos = 0
        // Each later field is optional in the prefix grammar, required in the strict one.
        parseTime: do {
            guard skip(0x54, or: 0x74) else { if strict { return nil }; break parseTime } // T t
            guard let h = number(2), h < 24 else { return nil }
            hour = h
            guard skip(0x3a) else { if strict { return nil }; break parseTime }
            guard let m = number(2), m < 60 else { return nil }
            minute = m
            guard skip(0x3a) else { if strict { return nil }; break parseTime }
            guard let sec = number(2), sec < 60 else { return nil }
            second = sec
            if skip(0x2e) { // .
                var digits = 0
                while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                    if digits < 9 { nanos = nanos * 10 + Int(u[i] - 0x30) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in min(digits, 9)..<9 { nanos *= 10 }
            }
        }
        if skip(0x5a, or: 0x7a) { // Z z
            offset = 0
        } else if i < u.count, u[i] == 0x2b || u[i] == 0x2d { // + -
            let sign = u[i] == 0x2d ? -1 : 1
            i += 1
            guard let oh = number(2), skip(0x3a), let om = number(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else if strict {
            return nil
        }
        guard i == u.count else { return nil }
        let days = daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Timestamp(seconds: secs, nanosecond: Int32(nanos))
    }
}

// MARK: - Formatting

extension Timestamp {
    /// `2026-11-29T10:00:00.123456789Z`: UTC with all nine fraction digits, as the supervisor
    /// writes CRI records and `docker logs -t` prints (Go's RFC3339NanoFixed).
    public var rfc3339: String {
        let c = civil()
        var out = [UInt8]()
        out.reserveCapacity(30)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var v = v
            for k in stride(from: width - 1, through: 0, by: -1) { digits[k] = UInt8(0x30 + v % 10); v /= 10 }
            out.append(contentsOf: digits)
        }
        if c.year < 0 { out.append(0x2d) }
        let absYear = Int(c.year.magnitude)
        put(absYear, max(4, String(absYear).count))
        out.append(0x2d); put(c.month, 2); out.append(0x2d); put(c.day, 2); out.append(0x54)
        put(c.hour, 2); out.append(0x3a); put(c.minute, 2); out.append(0x3a); put(c.second, 2)
        out.append(0x2e); put(Int(nanosecond), 9); out.append(0x5a)
        return String(decoding: out, as: UTF8.self)
    }

    /// Calendar fields, without Foundation's Calendar (slow and locale-dependent).
    public struct Civil: Equatable, Sendable {
        public var year: Int64
        public var month, day, hour, minute, second: Int
    }

    /// The calendar fields of this instant at `utcOffset` seconds east of UTC.
    public func civil(utcOffset: Int = 0) -> Civil {
        let t = seconds + Int64(utcOffset)
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secOfDay = Int(t - days * 86_400)
        let (year, month, day) = Self.civilFromDays(days)
        return Civil(year: year, month: month, day: day, hour: secOfDay / 3600, minute: secOfDay / 60 % 60, second: secOfDay % 60)
    }
}

// MARK: - Civil calendar (proleptic Gregorian), Howard Hinnant's algorithms

extension Timestamp {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a date; exact for every year, no Calendar or timegm needed.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysFromCivil`.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
