import XCTest
@testable import BerthOS

/// The stat parsers against the text of real cgroup files: v1 copied from this machine,
/// v2 as a 6.x kernel writes them.
final class StatsParserTests: XCTestCase {
    static let v1CPUStat = """
        nr_periods 3204
        nr_throttled 1511
        throttled_time 95406321544
        nr_bursts 0
        burst_time 0

        """

    static let v2CPUStat = """
        usage_usec 8123456
        user_usec 5234567
        system_usec 2888889
        core_sched.force_idle_usec 0
        nr_periods 1234
        nr_throttled 56
        throttled_usec 789012
        nr_bursts 0
        burst_usec 0

        """

    /// memory.stat of this machine's memory cgroup.
    static let v1MemoryStat = """
        cache 675840
        rss 1675264
        rss_huge 0
        shmem 0
        mapped_file 0
        dirty 24576
        writeback 0
        workingset_refault_anon 0
        workingset_refault_file 106
        swap 0
        swapcached 0
        pgpgin 10899
        pgpgout 10325
        pgfault 26685
        pgmajfault 7
        inactive_anon 1531904
        active_anon 12288
        inactive_file 331776
        active_file 344064
        unevictable 0
        hierarchical_memory_limit 9223372036854771712
        hierarchical_memsw_limit 9223372036854771712
        total_cache 1675840
        total_rss 1675264
        total_rss_huge 0
        total_shmem 0
        total_mapped_file 0
        total_dirty 24576
        total_writeback 0
        total_workingset_refault_anon 0
        total_workingset_refault_file 106
        total_swap 0
        total_swapcached 0
        total_pgpgin 10899
        total_pgpgout 10325
        total_pgfault 26685
        total_pgmajfault 7
        total_inactive_anon 1531904
        total_active_anon 12288
        total_inactive_file 1331776
        total_active_file 344064
        total_unevictable 0

        """

    static let v2MemoryStat = """
        anon 2211840
        file 9846784
        kernel 1032192
        kernel_stack 65536
        pagetables 151552
        sec_pagetables 0
        percpu 0
        sock 0
        vmalloc 0
        shmem 0
        zswap 0
        zswapped 0
        file_mapped 3108864
        file_dirty 4096
        file_writeback 0
        swapcached 0
        anon_thp 0
        file_thp 0
        shmem_thp 0
        inactive_anon 2203648
        active_anon 8192
        inactive_file 6651904
        active_file 3194880
        unevictable 0
        slab_reclaimable 372432
        slab_unreclaimable 253464
        slab 625896
        workingset_refault_anon 0
        workingset_refault_file 0
        pgfault 5676
        pgmajfault 53
        thp_fault_alloc 0

        """

    static let v1OOMControl = """
        oom_kill_disable 0
        under_oom 0
        oom_kill 3

        """

    static let v2MemoryEvents = """
        low 0
        high 0
        max 12
        oom 2
        oom_kill 1
        oom_group_kill 0

        """

    static let v2IOStat = """
        259:0 rbytes=4329472 wbytes=1232896 rios=221 wios=44 dbytes=0 dios=0
        8:0 rbytes=8192 wbytes=0 rios=2 wios=0 dbytes=0 dios=0

        """

    static let v1Blkio = """
        254:0 Read 1474560
        254:0 Write 40960
        254:0 Sync 1515520
        254:0 Async 0
        254:0 Discard 0
        254:0 Total 1515520
        8:16 Read 4096
        8:16 Write 8192
        8:16 Sync 0
        8:16 Async 12288
        8:16 Discard 0
        8:16 Total 12288
        Total 1527808

        """

    func testCPUStatV1IsAlreadyNanoseconds() {
        XCTAssertEqual(CPUStat.parse(Self.v1CPUStat),
                       CPUStat(usageNanos: nil, throttledNanos: 95_406_321_544, throttledPeriods: 1511))
    }

    func testCPUStatV2ConvertsMicroseconds() {
        XCTAssertEqual(CPUStat.parse(Self.v2CPUStat),
                       CPUStat(usageNanos: 8_123_456_000, throttledNanos: 789_012_000, throttledPeriods: 56))
    }

    func testMemoryStatV1PrefersHierarchicalTotals() {
        XCTAssertEqual(MemoryStat.parse(Self.v1MemoryStat), MemoryStat(inactiveFile: 1_331_776, cache: 1_675_840))
    }

    func testMemoryStatV1WithoutTotalsUsesLocalFigures() {
        let local = Self.v1MemoryStat.split(separator: "\n").filter { !$0.hasPrefix("total_") }.joined(separator: "\n")
        XCTAssertEqual(MemoryStat.parse(local), MemoryStat(inactiveFile: 331_776, cache: 675_840))
    }

    func testMemoryStatV2ReadsFileNotFileMapped() {
        XCTAssertEqual(MemoryStat.parse(Self.v2MemoryStat), MemoryStat(inactiveFile: 6_651_904, cache: 9_846_784))
    }

    func testMemoryUsedSubtractsInactiveFileLikeDocker() {
        XCTAssertEqual(MemoryStat.used(usage: 10_000_000, inactiveFile: 6_651_904), 3_348_096)
        XCTAssertEqual(MemoryStat.used(usage: 100, inactiveFile: 4096), 0)
        XCTAssertEqual(MemoryStat.used(usage: 100, inactiveFile: nil), 100)
    }

    func testOOMKillsFromBothVersions() {
        XCTAssertEqual(OOMKillCount.parse(Self.v1OOMControl), 3)
        XCTAssertEqual(OOMKillCount.parse(Self.v2MemoryEvents), 1)
        XCTAssertEqual(OOMKillCount.parse("oom_kill_disable 0\nunder_oom 0\n"), 0)
    }

    func testIOStatSumsDevices() {
        XCTAssertEqual(BlockIO.parseIOStat(Self.v2IOStat), BlockIO(readBytes: 4_329_472 + 8192, writeBytes: 1_232_896))
        XCTAssertEqual(BlockIO.parseIOStat(""), BlockIO(readBytes: 0, writeBytes: 0))
    }

    func testBlkioSumsReadAndWriteAndSkipsTotals() {
        XCTAssertEqual(BlockIO.parseBlkio(Self.v1Blkio), BlockIO(readBytes: 1_474_560 + 4096, writeBytes: 40960 + 8192))
        // An idle cgroup on this machine.
        XCTAssertEqual(BlockIO.parseBlkio("Total 0\n"), BlockIO(readBytes: 0, writeBytes: 0))
    }

    func testLimitsTreatMaxAndHugeV1ValuesAsUnlimited() {
        XCTAssertNil(CgroupValue.parseLimit("max\n"))
        XCTAssertNil(CgroupValue.parseLimit("9223372036854771712\n"))
        XCTAssertEqual(CgroupValue.parseLimit("67108864\n"), 67_108_864)
        XCTAssertEqual(CgroupValue.parseLimit("20\n"), 20)
    }

    func testCountersParseTheFirstNumber() {
        XCTAssertEqual(CgroupValue.parseCounter("137866769895\n"), 137_866_769_895)
        XCTAssertNil(CgroupValue.parseCounter("\n"))
        XCTAssertEqual(CgroupValue.parseCounter("99999999999999999999999\n"), UInt64.max)
    }
}
