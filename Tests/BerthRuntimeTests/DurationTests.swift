import Foundation
import XCTest
@testable import BerthRuntime

final class DurationTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let utc = TimeZone(identifier: "UTC")!

    func testGoDurations() throws {
        XCTAssertEqual(try DurationParser.parseDuration("10s"), 10)
        XCTAssertEqual(try DurationParser.parseDuration("5m"), 300)
        XCTAssertEqual(try DurationParser.parseDuration("1h30m"), 5400)
        XCTAssertEqual(try DurationParser.parseDuration("250ms"), 0.25, accuracy: 1e-9)
        XCTAssertEqual(try DurationParser.parseDuration("1.5h"), 5400)
        XCTAssertEqual(try DurationParser.parseDuration("2h45m30.5s"), 9930.5, accuracy: 1e-9)
        XCTAssertEqual(try DurationParser.parseDuration("100us"), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(try DurationParser.parseDuration("100µs"), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(try DurationParser.parseDuration("-2m"), -120)
        XCTAssertEqual(try DurationParser.parseDuration("0"), 0)
        XCTAssertEqual(try DurationParser.parseDuration(".5s"), 0.5)
    }

    func testRejectsMalformedDurations() {
        for bad in ["", "10", "s", "1x", "1h30", "1..5s", "-", "1 h", "10S", "1d", "."] {
            XCTAssertThrowsError(try DurationParser.parseDuration(bad), "'\(bad)' should be rejected")
        }
    }

    func testSinceDurationCountsBackFromNow() throws {
        XCTAssertEqual(try DurationParser.parseTime("10m", now: now), now.addingTimeInterval(-600))
        XCTAssertEqual(try DurationParser.parseTime("1h30m", now: now), now.addingTimeInterval(-5400))
    }

    func testRFC3339Timestamps() throws {
        let tenOClock = Date(timeIntervalSince1970: 1_795_946_400)  // 2026-11-29T10:00:00Z
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10:00:00Z", now: now), tenOClock)
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10:00:00.5Z", now: now),
                       tenOClock.addingTimeInterval(0.5))
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T11:00:00+01:00", now: now), tenOClock)
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T05:30:00-04:30", now: now), tenOClock)
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10:00:00.123456789Z", now: now)
                           .timeIntervalSince(tenOClock), 0.123456789, accuracy: 1e-6)
    }

    func testPartialTimestampsUseTheGivenZone() throws {
        let midnight = Date(timeIntervalSince1970: 1_795_910_400)  // 2026-11-29T00:00:00Z
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29", now: now, timeZone: utc), midnight)
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10", now: now, timeZone: utc),
                       midnight.addingTimeInterval(36_000))
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10:15", now: now, timeZone: utc),
                       midnight.addingTimeInterval(36_900))
        let paris = TimeZone(secondsFromGMT: 3600)!
        XCTAssertEqual(try DurationParser.parseTime("2026-11-29T10:00:00", now: now, timeZone: paris),
                       midnight.addingTimeInterval(36_000 - 3600))
    }

    func testLeapDayAndEpochArithmetic() throws {
        XCTAssertEqual(try DurationParser.parseTime("1970-01-01T00:00:00Z", now: now), Date(timeIntervalSince1970: 0))
        XCTAssertEqual(try DurationParser.parseTime("2024-02-29T00:00:00Z", now: now),
                       Date(timeIntervalSince1970: 1_709_164_800))
        XCTAssertEqual(try DurationParser.parseTime("2000-03-01T00:00:00Z", now: now),
                       Date(timeIntervalSince1970: 951_868_800))
    }

    func testUnixSeconds() throws {
        XCTAssertEqual(try DurationParser.parseTime("1700000000", now: now), Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertEqual(try DurationParser.parseTime("1700000000.5", now: now),
                       Date(timeIntervalSince1970: 1_700_000_000.5))
        XCTAssertEqual(try DurationParser.parseTime("0", now: now), Date(timeIntervalSince1970: 0))
    }

    func testRejectsMalformedTimes() {
        for bad in ["", "yesterday", "2026-13-01", "2026-02-30", "2025-02-29T00:00:00Z", "2026-11-29T24:00:00Z",
                    "2026-11-29T10:60Z", "2026-11-29T10:00:60Z", "2026-11-29 10:00:00", "2026-11-29T10:00:00+1",
                    "1700000000.", ".5", "1.2.3", "1e9", "2026-11-29T10:00:00Zjunk"] {
            XCTAssertThrowsError(try DurationParser.parseTime(bad, now: now, timeZone: utc), "'\(bad)' should be rejected")
        }
    }

    func testHumanDurationsUseDockersWords() {
        XCTAssertEqual(HumanDuration.format(0.4), "Less than a second")
        XCTAssertEqual(HumanDuration.format(1), "1 second")
        XCTAssertEqual(HumanDuration.format(45), "45 seconds")
        XCTAssertEqual(HumanDuration.format(90), "About a minute")
        XCTAssertEqual(HumanDuration.format(180), "3 minutes")
        XCTAssertEqual(HumanDuration.format(3600), "About an hour")
        XCTAssertEqual(HumanDuration.format(2 * 3600), "2 hours")
        XCTAssertEqual(HumanDuration.format(5 * 86_400), "5 days")
        XCTAssertEqual(HumanDuration.format(21 * 86_400), "3 weeks")
        XCTAssertEqual(HumanDuration.format(90 * 86_400), "3 months")
        XCTAssertEqual(HumanDuration.format(800 * 86_400), "2 years")
    }

    func testPsStatusColumn() {
        XCTAssertEqual(StatusText.up(since: now.addingTimeInterval(-180), now: now), "Up 3 minutes")
        XCTAssertEqual(StatusText.up(since: now.addingTimeInterval(-10), now: now, paused: true), "Up 10 seconds (Paused)")
        XCTAssertEqual(StatusText.exited(code: 0, at: now.addingTimeInterval(-7200), now: now), "Exited (0) 2 hours ago")

        let killed = ContainerState(status: .exited, signal: 9, finishedAt: now.addingTimeInterval(-30))
        XCTAssertEqual(StatusText.describe(killed, now: now), "Exited (137) 30 seconds ago")
        let running = ContainerState(status: .running, pid: 42, startedAt: now.addingTimeInterval(-3600 * 5))
        XCTAssertEqual(StatusText.describe(running, now: now), "Up 5 hours")
        XCTAssertEqual(StatusText.describe(ContainerState(status: .created), now: now), "Created")
        let restarting = ContainerState(status: .restarting, exitCode: 1, finishedAt: now.addingTimeInterval(-5))
        XCTAssertEqual(StatusText.describe(restarting, now: now), "Restarting (1) 5 seconds ago")
    }
}
