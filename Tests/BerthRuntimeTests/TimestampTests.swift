@testable import BerthRuntime
import Foundation
import XCTest

final class TimestampTests: XCTestCase {
    /// 2026-11-29T10:00:00Z, from `date -u -d 2026-11-29T10:00:00Z +%s`.
    let tenOClock: Int64 = 1_795_946_400

    func testStrictRFC3339WithFractionsAndOffsets() throws {
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00Z"), Timestamp(seconds: tenOClock))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29t10:00:00z"), Timestamp(seconds: tenOClock), "RFC 3339 allows lower case")
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00.123456789Z"), Timestamp(seconds: tenOClock, nanosecond: 123_456_789))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00.5Z"), Timestamp(seconds: tenOClock, nanosecond: 500_000_000))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00.000000001Z"), Timestamp(seconds: tenOClock, nanosecond: 1))
        // Past nine digits the fraction is cut, not rounded (as Go's parser does).
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00.1234567899Z"), Timestamp(seconds: tenOClock, nanosecond: 123_456_789))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T11:00:00+01:00"), Timestamp(seconds: tenOClock))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T05:30:00-04:30"), Timestamp(seconds: tenOClock))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-30T09:59:00+23:59"), Timestamp(seconds: tenOClock))
        // An offset that moves the instant across a day, a month and a year.
        XCTAssertEqual(Timestamp(rfc3339: "2026-12-31T23:30:00-01:00"), Timestamp(rfc3339: "2027-01-01T00:30:00Z"))
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T10:00:00.25+00:00")?.nanosecond, 250_000_000)
    }

    func testLeapDaysAndTheEpoch() throws {
        XCTAssertEqual(Timestamp(rfc3339: "1970-01-01T00:00:00Z")?.seconds, 0)
        XCTAssertEqual(Timestamp(rfc3339: "1969-12-31T23:59:59.5Z"), Timestamp(seconds: -1, nanosecond: 500_000_000))
        XCTAssertEqual(Timestamp(rfc3339: "2024-02-29T00:00:00Z")?.seconds, 1_709_164_800)
        XCTAssertEqual(Timestamp(rfc3339: "2000-02-29T12:00:00Z")?.seconds, 951_825_600, "2000 is a leap year (divisible by 400)")
        XCTAssertEqual(Timestamp(rfc3339: "2000-03-01T00:00:00Z")?.seconds, 951_868_800)
        XCTAssertNil(Timestamp(rfc3339: "1900-02-29T00:00:00Z"), "1900 is not (divisible by 100)")
        XCTAssertNil(Timestamp(rfc3339: "2025-02-29T00:00:00Z"))
        // Go's zero time, found in image configs: far outside Int64 nanoseconds, still a Timestamp.
        let zero = try XCTUnwrap(Timestamp(rfc3339: "0001-01-01T00:00:00Z"))
        XCTAssertEqual(zero.seconds, -62_135_596_800)
        XCTAssertNil(zero.unixNanoseconds)
        XCTAssertEqual(zero.rfc3339, "0001-01-01T00:00:00.000000000Z")
    }

    func testBadInputIsNil() {
        for bad in ["", "2026-11-29", "2026-11-29T10:00:00", "2026-11-29 10:00:00Z", "2026-11-29T10:00Z",
                    "2026-11-29T10:00:00+0100", "2026-11-29T10:00:00+01", "2026-11-29T10:00:00.Z",
                    "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z",
                    "2026-11-29T24:00:00Z", "2026-11-29T10:60:00Z", "2026-11-29T10:00:60Z", "2026-11-29T10:00:00+24:00",
                    "2026-11-29T10:00:00Zjunk", " 2026-11-29T10:00:00Z", "26-11-29T10:00:00Z", "2026-1-29T10:00:00Z",
                    "２０２６-11-29T10:00:00Z", "2026-11-29T10:00:00.５Z"] {
            XCTAssertNil(Timestamp(rfc3339: bad), "\(bad.debugDescription) should be refused")
        }
    }

    func testDockerPrefixesTakeTheDefaultZone() {
        let midnight = tenOClock - 36_000
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29", defaultOffset: 0)?.seconds, midnight)
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29T10", defaultOffset: 0)?.seconds, tenOClock)
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29T10:15", defaultOffset: 0)?.seconds, tenOClock + 900)
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29T11:00:00", defaultOffset: 3600)?.seconds, tenOClock)
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29T10:00:00Z", defaultOffset: 3600)?.seconds, tenOClock, "an explicit zone wins")
        XCTAssertEqual(Timestamp(rfc3339Prefix: "2026-11-29T10:00:00.5", defaultOffset: 0)?.nanosecond, 500_000_000)
        XCTAssertNil(Timestamp(rfc3339Prefix: "2026-11-29T1", defaultOffset: 0))
        XCTAssertNil(Timestamp(rfc3339Prefix: "2026-11", defaultOffset: 0))
    }

    func testFormatsAsTheCRILogAndDockerDo() throws {
        XCTAssertEqual(Timestamp(seconds: tenOClock, nanosecond: 123_456_789).rfc3339, "2026-11-29T10:00:00.123456789Z")
        XCTAssertEqual(Timestamp(seconds: tenOClock).rfc3339, "2026-11-29T10:00:00.000000000Z", "always nine digits")
        XCTAssertEqual(Timestamp(seconds: 1_709_164_800 + 86_399, nanosecond: 999_999_999).rfc3339, "2024-02-29T23:59:59.999999999Z")
        XCTAssertEqual(Timestamp(seconds: -1).rfc3339, "1969-12-31T23:59:59.000000000Z")
        XCTAssertEqual(Timestamp(unixNanoseconds: -1).rfc3339, "1969-12-31T23:59:59.999999999Z")
        XCTAssertEqual(Timestamp(unixNanoseconds: 1_795_946_400_123_456_789).rfc3339, "2026-11-29T10:00:00.123456789Z")
        // What the formatter writes, the parser reads back to the nanosecond.
        for s in [Int64(-86_400 * 366 * 3), -1, 0, 951_825_600, 1_709_164_800, tenOClock, 4_102_444_800] {
            let t = Timestamp(seconds: s, nanosecond: 987_654_321)
            XCTAssertEqual(Timestamp(rfc3339: t.rfc3339), t, t.rfc3339)
        }
    }

    func testDateConversionKeepsWhatADoubleHolds() throws {
        let d = Date(timeIntervalSince1970: 1_795_946_400.25)
        XCTAssertEqual(Timestamp(d).rfc3339, "2026-11-29T10:00:00.250000000Z")
        XCTAssertEqual(Timestamp(d).date, d)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-29T11:00:00+01:00")?.date.timeIntervalSince1970, 1_795_946_400)
        XCTAssertEqual(Timestamp(Date(timeIntervalSince1970: -0.5)), Timestamp(seconds: -1, nanosecond: 500_000_000))
    }

    func testCivilDaysAgainstTheCalendar() throws {
        // Foundation's Gregorian calendar is the independent source, one date a week for 770 years
        // (from 1600: before 1582 it counts Julian dates, Berth proleptic Gregorian ones).
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = try XCTUnwrap(TimeZone(identifier: "UTC"))
        XCTAssertEqual(Timestamp.daysFromCivil(year: 1600, month: 1, day: 1), -135_140)
        for days in stride(from: Int64(-135_140), through: 146_097, by: 7) {
            let c = Timestamp.civilFromDays(days)
            XCTAssertEqual(Timestamp.daysFromCivil(year: c.year, month: Int64(c.month), day: Int64(c.day)), days)
            let parts = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            XCTAssertEqual([Int(c.year), c.month, c.day], [parts.year, parts.month, parts.day].map { $0 ?? -1 }, "day \(days)")
        }
    }
}
