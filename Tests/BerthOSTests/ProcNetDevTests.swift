import XCTest
@testable import BerthOS

final class ProcNetDevTests: XCTestCase {
    /// /proc/net/dev of this machine.
    static let host = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
          ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
          ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
          eth0: 17222058     396    0    0    0     0          0         0    23825     267    0    0    0     0       0          0

        """

    /// A container with a veth and large counters that fill their columns (no space after the colon).
    static let container = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
          eth0:12345678901 9876543    0    0    0     0          0         0 2345678901  876543    0    0    0     0       0          0
          eth1:     100       1    0    0    0     0          0         0      200       2    0    0    0     0       0          0

        """

    func testSumsEveryInterfaceButLoopback() {
        XCTAssertEqual(NetDevTotals.parse(Self.host), NetDevTotals(rxBytes: 17_222_058, txBytes: 23_825))
    }

    func testReadsNumbersThatTouchTheColon() {
        XCTAssertEqual(NetDevTotals.parse(Self.container),
                       NetDevTotals(rxBytes: 12_345_678_901 + 100, txBytes: 2_345_678_901 + 200))
    }

    func testOnlyLoopbackIsZero() {
        let onlyLo = Self.host.split(separator: "\n").prefix(3).joined(separator: "\n")
        XCTAssertEqual(NetDevTotals.parse(onlyLo), NetDevTotals(rxBytes: 0, txBytes: 0))
    }

    func testReadsThisProcessNamespace() throws {
        let text = try KernelFile.read("/proc/self/net/dev")
        XCTAssertTrue(text.contains("lo:"))
        // The same text summed independently: split at the colon, then at whitespace.
        var rx: UInt64 = 0, tx: UInt64 = 0
        for line in text.split(separator: "\n").dropFirst(2) {
            let halves = line.split(separator: ":", maxSplits: 1)
            guard halves.count == 2, halves[0].trimmingCharacters(in: .whitespaces) != "lo" else { continue }
            let numbers = halves[1].split(separator: " ").compactMap { UInt64($0) }
            XCTAssertEqual(numbers.count, 16, String(line))
            rx += numbers[0]; tx += numbers[8]
        }
        XCTAssertEqual(NetDevTotals.parse(text), NetDevTotals(rxBytes: rx, txBytes: tx))
    }
}
