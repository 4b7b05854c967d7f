import Foundation
import Glibc
import Synchronization
import XCTest
import BerthTestSupport
@testable import BerthOS

/// The sampler against v2 fixture files (exact values); `StatsSamplerHostTests` reads real v1 cgroups.
final class StatsSamplerTests: XCTestCase {
    var fixture: CgroupFixture!

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
        fixture.write("cgroup.subtree_control", "cpu io memory pids\n")
        fixture.mkdir("workload")
        fixture.write("workload/cgroup.subtree_control", "cpu io memory pids\n")
    }

    override func tearDown() {
        fixture.destroy()
    }

    func v2Manager() throws -> V2CgroupManager {
        let hierarchy = CgroupHierarchy(controllers: [], mountPoint: fixture.root, mountRoot: "/", currentPath: "/workload")
        return try V2CgroupManager(hierarchy: hierarchy, parent: nil, tree: CgroupTree(hooks: CgroupFixture.v2Hooks()))
    }

    /// Fills a container's fixture files as a 6.x kernel would.
    func fillV2(_ id: String, usage: UInt64 = 20_000_000, stat: String = StatsParserTests.v2MemoryStat) {
        let dir = "workload/berth/\(id)/"
        fixture.write(dir + "cpu.stat", StatsParserTests.v2CPUStat)
        fixture.write(dir + "memory.current", "\(usage)\n")
        fixture.write(dir + "memory.max", "67108864\n")
        fixture.write(dir + "memory.stat", stat)
        fixture.write(dir + "memory.events", StatsParserTests.v2MemoryEvents)
        fixture.write(dir + "pids.current", "3\n")
        fixture.write(dir + "pids.max", "max\n")
        fixture.write(dir + "io.stat", StatsParserTests.v2IOStat)
    }

    func testV2SampleReadsEveryFile() throws {
        let m = try v2Manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        fillV2("c1")
        let sampler = StatsSampler(manager: m)
        let before = MonotonicClock.nanos()
        let stats = sampler.sample([(id: "c1", pid: 0)])
        XCTAssertEqual(stats.count, 1)
        let s = try XCTUnwrap(stats.first)
        XCTAssertGreaterThanOrEqual(s.timestamp, before)
        XCTAssertLessThanOrEqual(s.timestamp, MonotonicClock.nanos())
        XCTAssertEqual(s, ContainerStats(id: "c1", timestamp: s.timestamp, cpuUsageNanos: 8_123_456_000,
                                         cpuThrottledNanos: 789_012_000, cpuThrottledPeriods: 56,
                                         memoryUsage: 20_000_000 - 6_651_904, memoryLimit: 67_108_864,
                                         memoryCache: 9_846_784, pids: 3, pidsLimit: nil,
                                         blockRead: 4_329_472 + 8192, blockWrite: 1_232_896,
                                         netRx: 0, netTx: 0, oomKills: 1, blockTimestamp: s.timestamp))
    }

    /// Issue 15: a container holds its hot counters only (CPU, memory, pids, net/dev), the slow
    /// files are opened when due and closed after — counted in this process's own fd table.
    func testAContainerHoldsAtMostFourDescriptors() throws {
        let m = try v2Manager()
        for id in ["a", "b", "c"] {
            _ = try m.create(id: id, limits: ResourceLimits())
            fillV2(id)
        }
        func openFiles() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        let sampler = StatsSampler(manager: m, slowFileInterval: 2)
        let before = openFiles()
        for _ in 0..<4 {
            XCTAssertEqual(sampler.sample([("a", getpid()), ("b", getpid()), ("c", getpid())]).count, 3)
            XCTAssertEqual(openFiles() - before, 12, "3 containers × (cpu.stat, memory.current, pids.current, net/dev)")
        }
        XCTAssertEqual(sampler.openDescriptorCount, 12)
        sampler.closeAll()
        XCTAssertEqual(openFiles(), before)
    }

    /// Block IO is read with the slow files and carries the time of its own reading, so rates are
    /// taken over the interval between two readings, not between two samples.
    func testBlockIOIsReadAtTheSlowPaceWithItsOwnTimestamp() throws {
        let m = try v2Manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        fillV2("c1")
        let sampler = StatsSampler(manager: m, slowFileInterval: 3)
        let first = try XCTUnwrap(sampler.sample([("c1", 0)]).first)
        XCTAssertEqual(first.blockTimestamp, first.timestamp)
        XCTAssertEqual(first.blockRead, 4_329_472 + 8192)
        fixture.write("workload/berth/c1/io.stat", "8:0 rbytes=10000000 wbytes=2000000 rios=1 wios=1 dbytes=0 dios=0\n")
        let second = try XCTUnwrap(sampler.sample([("c1", 0)]).first)
        XCTAssertEqual(second.blockRead, first.blockRead, "not re-read before the slow pace")
        XCTAssertEqual(second.blockTimestamp, first.timestamp)
        XCTAssertGreaterThan(second.timestamp, first.timestamp)
        _ = sampler.sample([("c1", 0)])
        let fourth = try XCTUnwrap(sampler.sample([("c1", 0)]).first)
        XCTAssertEqual(fourth.blockRead, 10_000_000)
        XCTAssertEqual(fourth.blockWrite, 2_000_000)
        XCTAssertEqual(fourth.blockTimestamp, fourth.timestamp)
    }

    func testSlowFilesAreReadOnlyEveryNthSample() throws {
        let m = try v2Manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        fillV2("c1", usage: 10_000_000, stat: "inactive_file 1000000\nfile 2000000\n")
        let sampler = StatsSampler(manager: m, slowFileInterval: 3)
        XCTAssertEqual(sampler.sample([("c1", 0)]).first?.memoryUsage, 9_000_000)
        fillV2("c1", usage: 12_000_000, stat: "inactive_file 4000000\nfile 5000000\n")
        fixture.write("workload/berth/c1/memory.max", "33554432\n")
        fixture.write("workload/berth/c1/pids.max", "50\n")
        fixture.write("workload/berth/c1/pids.current", "7\n")
        // Samples 2 and 3 see the new counters but the cached memory.stat and limits.
        let second = try XCTUnwrap(sampler.sample([("c1", 0)]).first)
        XCTAssertEqual(second.memoryUsage, 11_000_000)
        XCTAssertEqual(second.memoryLimit, 67_108_864)
        XCTAssertNil(second.pidsLimit)
        XCTAssertEqual(second.pids, 7)
        XCTAssertEqual(sampler.sample([("c1", 0)]).first?.memoryCache, 2_000_000)
        let fourth = try XCTUnwrap(sampler.sample([("c1", 0)]).first)
        XCTAssertEqual(fourth.memoryUsage, 8_000_000)
        XCTAssertEqual(fourth.memoryCache, 5_000_000)
        XCTAssertEqual(fourth.memoryLimit, 33_554_432)
        XCTAssertEqual(fourth.pidsLimit, 50)
    }

    func testFilesOfContainersNoLongerListedAreClosed() throws {
        let m = try v2Manager()
        for id in ["a", "b"] {
            _ = try m.create(id: id, limits: ResourceLimits())
            fillV2(id)
        }
        let sampler = StatsSampler(manager: m)
        XCTAssertEqual(sampler.sample([("a", 0), ("b", 0)]).map(\.id), ["a", "b"])
        XCTAssertEqual(sampler.openContainerCount, 2)
        XCTAssertEqual(sampler.sample([("b", 0)]).map(\.id), ["b"])
        XCTAssertEqual(sampler.openContainerCount, 1)
        sampler.closeAll()
        XCTAssertEqual(sampler.openContainerCount, 0)
        XCTAssertEqual(sampler.sample([("b", 0)]).count, 1, "reopens after closeAll")
    }

    func testConcurrentCallersGetCompleteSamples() throws {
        let m = try v2Manager()
        for id in ["a", "b"] {
            _ = try m.create(id: id, limits: ResourceLimits())
            fillV2(id)
        }
        let sampler = StatsSampler(manager: m)
        let results = Mutex<[Int: [String]]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let list: [(id: String, pid: Int32)] = i % 2 == 0 ? [("a", 0), ("b", 0)] : [("b", 0)]
            let ids = sampler.sample(list).map(\.id)
            results.withLock { $0[i] = ids }
        }
        let all = results.withLock { $0 }
        for i in 0..<16 {
            XCTAssertEqual(all[i], i % 2 == 0 ? ["a", "b"] : ["b"], "call \(i)")
        }
    }

    func testContainerWithoutACgroupIsSkipped() throws {
        let sampler = StatsSampler(manager: try v2Manager())
        XCTAssertEqual(sampler.sample([("ghost", 0)]).count, 0)
        XCTAssertEqual(sampler.openContainerCount, 0)
    }

    func testNetworkComesFromTheInitProcessNamespace() throws {
        let m = try v2Manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        fillV2("c1")
        let sampler = StatsSampler(manager: m)
        let expected = NetDevTotals.parse(try KernelFile.read("/proc/\(getpid())/net/dev"))
        let s = try XCTUnwrap(sampler.sample([("c1", getpid())]).first)
        XCTAssertGreaterThanOrEqual(s.netRx, expected.rxBytes)
        XCTAssertGreaterThanOrEqual(s.netTx, expected.txBytes)
        XCTAssertLessThan(s.netRx - expected.rxBytes, 10_000_000, "the same counters, read a moment later")
        // A pid that does not exist gives no network figures but keeps the cgroup ones.
        let gone = try XCTUnwrap(sampler.sample([("c1", Int32.max)]).first)
        XCTAssertEqual(gone.netRx, 0)
        XCTAssertEqual(gone.pids, 3)
    }
}
