@testable import BerthDashboard
import XCTest

final class HistoryTests: XCTestCase {
    func testRingKeepsTheNewestInOrder() {
        var r = RingBuffer<Int>(capacity: 4)
        for i in 1...3 { r.append(i) }
        XCTAssertEqual(r.values, [1, 2, 3])
        XCTAssertEqual(r.suffix(2), [2, 3])
        for i in 4...10 { r.append(i) }
        XCTAssertEqual(r.values, [7, 8, 9, 10])
        XCTAssertEqual(r.suffix(3), [8, 9, 10], "the suffix crosses the ring's wrap point")
        XCTAssertEqual(r.suffix(9), [7, 8, 9, 10])
        XCTAssertEqual(r.suffix(0), [])
        XCTAssertEqual(r.last, 10)
    }

    func testHistoryStoresFloatsButAnswersDoubles() {
        var h = History(capacity: 3)
        h.append(12.5)
        h.append(2_147_483_648) // 2 GiB of memory stays exact in a Float
        XCTAssertEqual(h.values, [12.5, 2_147_483_648])
        XCTAssertEqual(h.suffix(1), [2_147_483_648])
        XCTAssertEqual(h.last, 2_147_483_648)
    }
}
