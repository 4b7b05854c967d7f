import BerthTestSupport
import XCTest
@testable import BerthOS

/// The v2 backend against a fixture hierarchy: the current cgroup "/workload" delegates cpu, io, memory
/// and pids (not cpuset) to its children.
final class CgroupV2ManagerTests: XCTestCase {
    var fixture: CgroupFixture!
    let mib: Int64 = 1 << 20

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
        fixture.write("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
        fixture.write("cgroup.subtree_control", "cpuset cpu io memory pids\n")
        fixture.mkdir("workload")
        fixture.write("workload/cgroup.controllers", "cpuset cpu io memory pids\n")
        fixture.write("workload/cgroup.subtree_control", "cpu io memory pids\n")
    }

    override func tearDown() {
        fixture.destroy()
    }

    func manager(parent: String? = nil, hooks: CgroupTree.Hooks = CgroupFixture.v2Hooks()) throws -> V2CgroupManager {
        let hierarchy = CgroupHierarchy(controllers: [], mountPoint: fixture.root, mountRoot: "/", currentPath: "/workload")
        return try V2CgroupManager(hierarchy: hierarchy, parent: parent, tree: CgroupTree(hooks: hooks))
    }

    func testCreateDelegatesControllersAndWritesLimits() throws {
        let m = try manager()
        let limits = ResourceLimits(memory: 64 * mib, memorySwap: 128 * mib, cpus: 0.5, cpuShares: 1024, pidsLimit: 20)
        let paths = try m.create(id: "c1", limits: limits)
        let leaf = fixture.path("workload/berth/c1")
        XCTAssertEqual(paths, CgroupPaths(procsFiles: [leaf + "/cgroup.procs"], oomCounterFile: leaf + "/memory.events",
                                          directories: [leaf]))
        XCTAssertEqual(fixture.read("workload/berth/cgroup.subtree_control"), "+cpu +io +memory +pids")
        XCTAssertEqual(fixture.read("workload/berth/c1/cgroup.subtree_control"), "", "the leaf holds tasks, not children")
        XCTAssertEqual(fixture.read("workload/cgroup.subtree_control"), "cpu io memory pids", "not Berth's: untouched")
        XCTAssertEqual(fixture.read("workload/berth/c1/memory.max"), "67108864")
        XCTAssertEqual(fixture.read("workload/berth/c1/memory.swap.max"), "67108864")
        XCTAssertEqual(fixture.read("workload/berth/c1/cpu.max"), "50000 100000")
        XCTAssertEqual(fixture.read("workload/berth/c1/cpu.weight"), "39")
        XCTAssertEqual(fixture.read("workload/berth/c1/pids.max"), "20")
        XCTAssertEqual(m.paths(id: "c1"), paths)
    }

    func testCreateIsIdempotent() throws {
        let m = try manager()
        let first = try m.create(id: "c1", limits: ResourceLimits(pidsLimit: 5))
        let second = try m.create(id: "c1", limits: ResourceLimits(pidsLimit: 7))
        XCTAssertEqual(first, second)
        XCTAssertEqual(fixture.read("workload/berth/c1/pids.max"), "7")
    }

    func testRemoveDeletesTheContainerThenTheEmptyBase() throws {
        let m = try manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        _ = try m.create(id: "c2", limits: ResourceLimits())
        try m.remove(id: "c1")
        XCTAssertFalse(fixture.exists("workload/berth/c1"))
        XCTAssertTrue(fixture.exists("workload/berth"), "c2 still lives there")
        try m.remove(id: "c2")
        XCTAssertFalse(fixture.exists("workload/berth"))
        XCTAssertTrue(fixture.exists("workload"))
        XCTAssertNoThrow(try m.remove(id: "c2"), "removing twice is fine")
    }

    func testUndelegatedControllerFailsBeforeCreatingAnything() throws {
        let m = try manager()
        XCTAssertThrowsError(try m.create(id: "c1", limits: ResourceLimits(cpusetCpus: "0"))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("cpuset"), text)
            XCTAssertTrue(text.contains("--cgroup-parent"), text)
            XCTAssertTrue(text.contains(fixture.path("workload")), text)
        }
        XCTAssertFalse(fixture.exists("workload/berth"))
    }

    func testControllersNotDelegatedAreSkippedWhenNoLimitNeedsThem() throws {
        fixture.write("workload/cgroup.subtree_control", "memory pids\n")
        _ = try manager().create(id: "c1", limits: ResourceLimits(memory: 64 * mib))
        XCTAssertEqual(fixture.read("workload/berth/cgroup.subtree_control"), "+memory +pids")
    }

    func testFailedWriteNamesTheFileAndRemovesWhatItCreated() throws {
        let m = try manager(hooks: CgroupFixture.v2Hooks(brokenFile: "memory.max"))
        XCTAssertThrowsError(try m.create(id: "c1", limits: ResourceLimits(memory: 64 * mib))) { error in
            XCTAssertEqual(error as? BerthError,
                           .system(operation: "open", path: fixture.path("workload/berth/c1/memory.max"), errno: EISDIR))
        }
        XCTAssertFalse(fixture.exists("workload/berth/c1"))
        XCTAssertFalse(fixture.exists("workload/berth"))
    }

    func testAbsoluteParentThatExistsIsNeitherConfiguredNorRemoved() throws {
        let m = try manager(parent: "/workload")
        _ = try m.create(id: "c1", limits: ResourceLimits(memory: 64 * mib))
        XCTAssertTrue(fixture.exists("workload/c1/memory.max"))
        XCTAssertEqual(fixture.read("workload/cgroup.subtree_control"), "cpu io memory pids")
        try m.remove(id: "c1")
        XCTAssertFalse(fixture.exists("workload/c1"))
        XCTAssertTrue(fixture.exists("workload"))
    }

    func testNewAbsoluteParentIsCreatedConfiguredAndRemoved() throws {
        let m = try manager(parent: "/workload/jobs/batch")
        _ = try m.create(id: "c1", limits: ResourceLimits(pidsLimit: 3))
        XCTAssertEqual(fixture.read("workload/jobs/cgroup.subtree_control"), "+cpu +io +memory +pids")
        XCTAssertEqual(fixture.read("workload/jobs/batch/cgroup.subtree_control"), "+cpu +io +memory +pids")
        try m.remove(id: "c1")
        XCTAssertFalse(fixture.exists("workload/jobs"))
    }

    func testStatsFilesAreInTheLeaf() throws {
        let files = try manager().statsFiles(id: "c1")
        let leaf = fixture.path("workload/berth/c1")
        XCTAssertEqual(files.version, .v2)
        XCTAssertNil(files.cpuUsage)
        XCTAssertEqual(files.cpuStat, leaf + "/cpu.stat")
        XCTAssertEqual(files.memoryUsage, leaf + "/memory.current")
        XCTAssertEqual(files.blockIO, [leaf + "/io.stat"])
        XCTAssertEqual(files.oomCounter, leaf + "/memory.events")
    }

    func testPidsReadsCgroupProcs() throws {
        let m = try manager()
        _ = try m.create(id: "c1", limits: ResourceLimits())
        fixture.write("workload/berth/c1/cgroup.procs", "4242\n17\n")
        XCTAssertEqual(m.pids(id: "c1"), [17, 4242])
        XCTAssertEqual(m.pids(id: "nope"), [])
    }
}

/// docker's remaining resource flags in v2's files: `cpu.max` from the period and quota,
/// `memory.low`, `cpuset.mems` checked against the parent's effective nodes, `io.weight` or
/// `io.bfq.weight` (or a notice without either) and `io.max`.
final class CgroupV2MoreLimitsFixtureTests: XCTestCase {
    var fixture: CgroupFixture!
    let mib: Int64 = 1 << 20

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
        fixture.write("cgroup.controllers", "cpuset cpu io memory pids\n")
        fixture.write("cgroup.subtree_control", "cpuset cpu io memory pids\n")
        // Berth's cgroup delegates everything; Berth's base below it offers one memory node.
        fixture.mkdir("workload/berth")
        fixture.write("workload/cgroup.subtree_control", "cpuset cpu io memory pids\n")
        fixture.write("workload/berth/cgroup.subtree_control", "")
        fixture.write("workload/berth/cpuset.mems.effective", "0\n")
    }

    override func tearDown() {
        fixture.destroy()
    }

    func manager(extra: [String]) throws -> V2CgroupManager {
        let hierarchy = CgroupHierarchy(controllers: [], mountPoint: fixture.path(""), mountRoot: "/", currentPath: "/workload")
        return try V2CgroupManager(hierarchy: hierarchy, parent: nil, tree: CgroupTree(hooks: CgroupFixture.v2Hooks(extra: extra)))
    }

    func testPeriodQuotaReservationMemsAndIO() throws {
        var l = ResourceLimits()
        l.cpuPeriod = 50_000; l.cpuQuota = 25_000; l.memoryReservation = 32 * mib; l.cpusetMems = "0"; l.blkioWeight = 500
        l.blkioDeviceReadBps = [BlockDeviceRate(major: 254, minor: 0, rate: 1_048_576)]
        l.blkioDeviceWriteIOps = [BlockDeviceRate(major: 254, minor: 0, rate: 100)]
        let paths = try manager(extra: ["memory.low", "cpuset.mems", "io.weight", "io.max"]).create(id: "c1", limits: l)
        XCTAssertEqual(paths.dropped, [])
        XCTAssertEqual(fixture.read("workload/berth/c1/cpu.max"), "25000 50000")
        XCTAssertEqual(fixture.read("workload/berth/c1/memory.low"), String(32 * mib))
        XCTAssertEqual(fixture.read("workload/berth/c1/cpuset.mems"), "0")
        XCTAssertEqual(fixture.read("workload/berth/c1/io.weight"), "default 4950", "500 of 10-1000 on io.weight's 1-10000, as runc maps it")
        XCTAssertEqual(fixture.read("workload/berth/c1/io.max"), "254:0 rbps=1048576 wiops=100", "one line per device")
    }

    func testCPUMaxForAQuotaAloneAPeriodAloneAndNoQuota() throws {
        let m = try manager(extra: [])
        for (id, quota, period, expected) in [("q", Int64(30_000), Int64?.none, "30000 100000"), ("p", nil, 20_000, "max 20000"),
                                             ("n", -1, nil, "max 100000")] as [(String, Int64?, Int64?, String)] {
            var l = ResourceLimits()
            l.cpuQuota = quota; l.cpuPeriod = period
            _ = try m.create(id: id, limits: l)
            XCTAssertEqual(fixture.read("workload/berth/\(id)/cpu.max"), expected, id)
        }
    }

    func testBFQsWeightFirstAndNoWeightOrThrottleFileIsANotice() throws {
        var l = ResourceLimits()
        l.blkioWeight = 500
        _ = try manager(extra: ["io.bfq.weight", "io.weight"]).create(id: "c1", limits: l)
        XCTAssertEqual(fixture.read("workload/berth/c1/io.bfq.weight"), "500", "BFQ takes blkio's scale")
        XCTAssertEqual(fixture.read("workload/berth/c1/io.weight"), "")
        l.blkioDeviceReadBps = [BlockDeviceRate(major: 254, minor: 0, rate: 1)]
        let none = try manager(extra: []).create(id: "c2", limits: l)
        XCTAssertEqual(none.dropped.map(\.flag), ["--blkio-weight", "--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops"])
        XCTAssertEqual(none.dropped.last?.description,
                       "--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops not applied: the kernel has no io.max (built without block IO throttling)")
    }

    func testIOMaxLinesJoinEachDevicesThrottlesAndZeroLiftsOne() throws {
        var l = ResourceLimits()
        l.blkioDeviceReadBps = [BlockDeviceRate(major: 8, minor: 0, rate: 10), BlockDeviceRate(major: 8, minor: 16, rate: 0)]
        l.blkioDeviceWriteBps = [BlockDeviceRate(major: 8, minor: 16, rate: 20)]
        l.blkioDeviceReadIOps = [BlockDeviceRate(major: 8, minor: 0, rate: 30)]
        XCTAssertEqual(V2LimitWriter.ioMaxLines(try CgroupLimitValues(l)), ["8:0 rbps=10 riops=30", "8:16 rbps=max wbps=20"])
        XCTAssertEqual(V2LimitWriter.ioWeight(blkioWeight: 10), 1)
        XCTAssertEqual(V2LimitWriter.ioWeight(blkioWeight: 1000), 10_000)
    }

    func testMemoryNodesTheParentLacksAreRefusedAndNothingIsLeft() throws {
        var l = ResourceLimits()
        l.cpusetMems = "1"
        XCTAssertThrowsError(try manager(extra: ["cpuset.mems"]).create(id: "c1", limits: l)) { error in
            XCTAssertEqual(String(describing: error),
                           "the memory nodes '1' (--cpuset-mems) are not available: this host offers 0 (\(fixture.path("workload/berth/cpuset.mems.effective")))")
        }
        XCTAssertFalse(fixture.exists("workload/berth/c1"))
        XCTAssertTrue(fixture.exists("workload/berth"), "made before this create: kept")
    }

    func testTheIOControllerMustBeDelegatedForBlockIOLimits() throws {
        fixture.write("workload/cgroup.subtree_control", "cpu memory pids\n")
        var l = ResourceLimits()
        l.blkioWeight = 100
        XCTAssertThrowsError(try manager(extra: []).create(id: "c1", limits: l)) { error in
            XCTAssertTrue(String(describing: error).contains("does not delegate the io controller"), "\(error)")
        }
        XCTAssertFalse(fixture.exists("workload/berth/c1"))
    }
}
