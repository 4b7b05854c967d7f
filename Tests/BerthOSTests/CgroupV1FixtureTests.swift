import BerthTestSupport
import XCTest
@testable import BerthOS

/// The v1 backend against a fixture of a pure-v1 host: cpu and cpuacct co-mounted, cpuset separate.
final class CgroupV1FixtureTests: XCTestCase {
    var fixture: CgroupFixture!
    let mib: Int64 = 1 << 20

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
        for dir in ["cpu,cpuacct/user.slice", "memory/user.slice/session-3.scope", "pids/user.slice", "blkio/user.slice", "cpuset"] {
            fixture.mkdir(dir)
        }
        fixture.write("cpuset/cpuset.cpus", "0-1\n")
        fixture.write("cpuset/cpuset.mems", "0\n")
    }

    override func tearDown() {
        fixture.destroy()
    }

    func manager(extra: [String] = []) throws -> V1CgroupManager {
        func h(_ controllers: [String], _ mount: String, _ current: String) -> CgroupHierarchy {
            CgroupHierarchy(controllers: controllers, mountPoint: fixture.path(mount), mountRoot: "/", currentPath: current)
        }
        return try V1CgroupManager(hierarchies: [
            h(["cpu", "cpuacct"], "cpu,cpuacct", "/user.slice"),
            h(["memory"], "memory", "/user.slice/session-3.scope"),
            h(["pids"], "pids", "/user.slice"),
            h(["blkio"], "blkio", "/user.slice"),
            h(["cpuset"], "cpuset", "/"),
        ], parent: nil, tree: CgroupTree(hooks: CgroupFixture.v1Hooks(extra: extra)))
    }

    func testCoMountedHierarchyIsJoinedOnce() throws {
        let paths = try manager().create(id: "c1", limits: ResourceLimits(memory: 64 * mib, memorySwap: -1, cpus: 1.5,
                                                                          cpuShares: 512, pidsLimit: 20))
        XCTAssertEqual(paths.directories, [fixture.path("cpu,cpuacct/user.slice/berth/c1"),
                                           fixture.path("memory/user.slice/session-3.scope/berth/c1"),
                                           fixture.path("pids/user.slice/berth/c1"),
                                           fixture.path("blkio/user.slice/berth/c1")])
        XCTAssertEqual(paths.procsFiles, paths.directories.map { $0 + "/cgroup.procs" })
        XCTAssertEqual(paths.oomCounterFile, fixture.path("memory/user.slice/session-3.scope/berth/c1/memory.oom_control"))
        XCTAssertEqual(fixture.read("cpu,cpuacct/user.slice/berth/c1/cpu.cfs_period_us"), "100000")
        XCTAssertEqual(fixture.read("cpu,cpuacct/user.slice/berth/c1/cpu.cfs_quota_us"), "150000")
        XCTAssertEqual(fixture.read("cpu,cpuacct/user.slice/berth/c1/cpu.shares"), "512")
        XCTAssertEqual(fixture.read("memory/user.slice/session-3.scope/berth/c1/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(fixture.read("memory/user.slice/session-3.scope/berth/c1/memory.memsw.limit_in_bytes"), "-1")
        XCTAssertEqual(fixture.read("pids/user.slice/berth/c1/pids.max"), "20")
        XCTAssertFalse(fixture.exists("cpuset/berth"), "no cpuset asked for")
    }

    func testCpusetDirectoriesGetCPUsAndMemsBeforeAnyTask() throws {
        let m = try manager()
        let paths = try m.create(id: "c1", limits: ResourceLimits(cpusetCpus: "1"))
        XCTAssertTrue(paths.directories.contains(fixture.path("cpuset/berth/c1")))
        XCTAssertEqual(fixture.read("cpuset/berth/cpuset.cpus"), "0-1")
        XCTAssertEqual(fixture.read("cpuset/berth/cpuset.mems"), "0")
        XCTAssertEqual(fixture.read("cpuset/berth/c1/cpuset.cpus"), "1")
        XCTAssertEqual(fixture.read("cpuset/berth/c1/cpuset.mems"), "0")
        XCTAssertEqual(m.paths(id: "c1"), paths, "paths() finds the cpuset directory again")
        try m.remove(id: "c1")
        XCTAssertFalse(fixture.exists("cpuset/berth"))
        XCTAssertFalse(fixture.exists("memory/user.slice/session-3.scope/berth"))
        XCTAssertTrue(fixture.exists("memory/user.slice/session-3.scope"))
    }

    func testStatsFilesComeFromEachController() throws {
        let files = try manager().statsFiles(id: "c1")
        XCTAssertEqual(files.cpuUsage, fixture.path("cpu,cpuacct/user.slice/berth/c1/cpuacct.usage"))
        XCTAssertEqual(files.cpuStat, fixture.path("cpu,cpuacct/user.slice/berth/c1/cpu.stat"))
        XCTAssertEqual(files.memoryStat, fixture.path("memory/user.slice/session-3.scope/berth/c1/memory.stat"))
        XCTAssertEqual(files.blockIO.first, fixture.path("blkio/user.slice/berth/c1/blkio.throttle.io_service_bytes_recursive"))
        XCTAssertEqual(files.pidsMax, fixture.path("pids/user.slice/berth/c1/pids.max"))
    }
}

/// docker's remaining resource flags in v1's files: the CFS period and quota, the soft limit,
/// cpuset memory nodes checked against the parent's, the block IO weight (CFQ's or BFQ's file, or a
/// notice without either) and the throttles.
final class CgroupV1MoreLimitsFixtureTests: XCTestCase {
    var fixture: CgroupFixture!
    let mib: Int64 = 1 << 20
    let blkioFiles = ["memory.soft_limit_in_bytes", "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                      "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"]

    override func setUpWithError() throws {
        fixture = try CgroupFixture()
        for dir in ["cpu,cpuacct", "memory", "blkio", "cpuset"] { fixture.mkdir(dir) }
        fixture.write("cpuset/cpuset.cpus", "0-1\n")
        fixture.write("cpuset/cpuset.mems", "0\n")
    }

    override func tearDown() {
        fixture.destroy()
    }

    func manager(extra: [String]) throws -> V1CgroupManager {
        func h(_ controllers: [String], _ mount: String) -> CgroupHierarchy {
            CgroupHierarchy(controllers: controllers, mountPoint: fixture.path(mount), mountRoot: "/", currentPath: "/")
        }
        return try V1CgroupManager(hierarchies: [h(["cpu", "cpuacct"], "cpu,cpuacct"), h(["memory"], "memory"),
                                                 h(["blkio"], "blkio"), h(["cpuset"], "cpuset")],
                                   parent: nil, tree: CgroupTree(hooks: CgroupFixture.v1Hooks(extra: extra)))
    }

    func testPeriodQuotaReservationMemsWeightAndThrottles() throws {
        var l = ResourceLimits(memory: 64 * mib)
        l.cpuPeriod = 50_000; l.cpuQuota = 25_000; l.memoryReservation = 32 * mib; l.cpusetMems = "0"; l.blkioWeight = 300
        l.blkioDeviceReadBps = [BlockDeviceRate(major: 254, minor: 0, rate: 1_048_576)]
        l.blkioDeviceWriteIOps = [BlockDeviceRate(major: 8, minor: 16, rate: 50)]
        let paths = try manager(extra: blkioFiles + ["blkio.bfq.weight"]).create(id: "c1", limits: l)
        XCTAssertEqual(paths.dropped, [])
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c1/cpu.cfs_period_us"), "50000")
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c1/cpu.cfs_quota_us"), "25000")
        XCTAssertEqual(fixture.read("memory/berth/c1/memory.soft_limit_in_bytes"), String(32 * mib))
        XCTAssertEqual(fixture.read("memory/berth/c1/memory.limit_in_bytes"), String(64 * mib))
        XCTAssertEqual(fixture.read("cpuset/berth/c1/cpuset.mems"), "0")
        XCTAssertEqual(fixture.read("cpuset/berth/c1/cpuset.cpus"), "0-1", "the parent's CPUs, as none were asked for")
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.bfq.weight"), "300", "BFQ's file when CFQ's is missing")
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.throttle.read_bps_device"), "254:0 1048576")
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.throttle.write_iops_device"), "8:16 50")
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.throttle.write_bps_device"), "", "not asked for: untouched")
    }

    func testAPeriodAloneAndNoQuota() throws {
        var l = ResourceLimits()
        l.cpuPeriod = 20_000
        _ = try manager(extra: []).create(id: "c1", limits: l)
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c1/cpu.cfs_period_us"), "20000")
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c1/cpu.cfs_quota_us"), "", "no quota asked for: the kernel's stays")
        l.cpuPeriod = nil; l.cpuQuota = -1
        _ = try manager(extra: []).create(id: "c2", limits: l)
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c2/cpu.cfs_quota_us"), "-1")
        XCTAssertEqual(fixture.read("cpu,cpuacct/berth/c2/cpu.cfs_period_us"), "100000")
    }

    func testCFQsWeightFileIsPreferredAndNoWeightFileIsANotice() throws {
        var l = ResourceLimits()
        l.blkioWeight = 700
        let cfq = try manager(extra: ["blkio.weight", "blkio.bfq.weight"]).create(id: "c1", limits: l)
        XCTAssertEqual(cfq.dropped, [])
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.weight"), "700")
        XCTAssertEqual(fixture.read("blkio/berth/c1/blkio.bfq.weight"), "")

        l.blkioDeviceReadIOps = [BlockDeviceRate(major: 254, minor: 0, rate: 10)]
        let none = try manager(extra: []).create(id: "c2", limits: l)
        XCTAssertEqual(none.dropped.map(\.flag), ["--blkio-weight", "--device-read-iops"])
        XCTAssertEqual(none.dropped.first?.description,
                       "--blkio-weight not applied: the kernel has no blkio.weight or blkio.bfq.weight (the host's IO scheduler, e.g. mq-deadline, has no weights)")
        XCTAssertTrue(fixture.exists("blkio/berth/c2"), "the container still starts, as docker's does")
    }

    func testMemoryNodesTheHostLacksAreRefusedAndNothingIsLeft() throws {
        var l = ResourceLimits()
        l.cpusetMems = "0-1"
        XCTAssertThrowsError(try manager(extra: []).create(id: "c1", limits: l)) { error in
            XCTAssertEqual(String(describing: error),
                           "the memory nodes '0-1' (--cpuset-mems) are not available: this host offers 0 (\(fixture.path("cpuset/berth/cpuset.mems")))")
        }
        for dir in ["cpuset/berth", "memory/berth", "cpu,cpuacct/berth", "blkio/berth"] {
            XCTAssertFalse(fixture.exists(dir), "\(dir) undone")
        }
    }
}
