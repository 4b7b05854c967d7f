import XCTest
@testable import BerthOS

/// Time left until a deadline never underflows (`berth system stream` crashed when its next
/// snapshot's time fell between two readings of the clock).
final class MonotonicClockTests: XCTestCase {
    func testRemainingIsZeroOnceTheDeadlineHasPassed() {
        XCTAssertEqual(MonotonicClock.remaining(until: 10, now: 4), 6)
        XCTAssertEqual(MonotonicClock.remaining(until: 10, now: 10), 0)
        XCTAssertEqual(MonotonicClock.remaining(until: 10, now: 11), 0)
        XCTAssertEqual(MonotonicClock.millisecondsUntil(0), 0)
        XCTAssertEqual(MonotonicClock.millisecondsUntil(MonotonicClock.nanos() &- 1), 0)
    }

    func testMillisecondsUntilAFutureDeadline() {
        let left = MonotonicClock.millisecondsUntil(MonotonicClock.nanos() + 60_000_000_000)
        XCTAssertTrue((1...60_000).contains(left), "\(left) ms: at most the minute asked for, and not yet passed")
    }
}
