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
