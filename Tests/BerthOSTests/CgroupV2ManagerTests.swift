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
