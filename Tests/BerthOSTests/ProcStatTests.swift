import XCTest
@testable import BerthOS

final class ProcStatTests: XCTestCase {
    /// The head of /proc/stat on this machine.
    static let stat = """
        cpu  9528 0 3962 93692 472 0 46 23 0 0
        cpu0 858 0 824 21904 6 0 7 8 0 0
        cpu1 1796 0 879 20623 281 0 13 7 0 0
        intr 1234567 0 9 0 0
        ctxt 2345678
        btime 1732841600

        """

    /// The head of /proc/meminfo on this machine.
    static let meminfo = """
        MemTotal:       24683652 kB
        MemFree:        24503928 kB
        MemAvailable:   24429896 kB
        Buffers:            3808 kB
        Cached:            43880 kB
        SwapCached:            0 kB
        Active:            21548 kB
        Inactive:          22604 kB
        HugePages_Total:       0
        Hugepagesize:       2048 kB

        """

    func testBusyExcludesIdleAndIowait() {
        let cpu = ProcStatCPU.parse(Self.stat)
        let total: UInt64 = 9528 + 3962 + 93692 + 472 + 46 + 23
        XCTAssertEqual(cpu, ProcStatCPU(busyTicks: total - 93692 - 472, totalTicks: total))
    }

    func testUsesTheAggregateLineNotAPerCPUOne() {
        let perCPUFirst = "cpu0 1 1 1 1 0 0 0 0 0 0\n" + Self.stat
        XCTAssertEqual(ProcStatCPU.parse(perCPUFirst)?.totalTicks, 9528 + 3962 + 93692 + 472 + 46 + 23)
        XCTAssertNil(ProcStatCPU.parse("intr 1 2 3\n"))
    }

    func testMemInfoInBytes() {
        XCTAssertEqual(MemInfo.parse(Self.meminfo), MemInfo(total: 24_683_652 * 1024, available: 24_429_896 * 1024))
        XCTAssertNil(MemInfo.parse("HugePages_Total:       0\n"))
    }

    func testReadsThisHost() throws {
        let cpu = try XCTUnwrap(ProcStatCPU.parse(try KernelFile.read("/proc/stat")))
        XCTAssertGreaterThan(cpu.totalTicks, cpu.busyTicks)
        let mem = try XCTUnwrap(MemInfo.parse(try KernelFile.read("/proc/meminfo")))
        XCTAssertGreaterThan(mem.total, mem.available)
    }
}
