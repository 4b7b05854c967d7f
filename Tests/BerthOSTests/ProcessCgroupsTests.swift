import XCTest
@testable import BerthOS

/// Another runtime's container found from its init's /proc/PID/cgroup (the real text of a runc
/// container on the hybrid host, and on a unified one), mapped through this process's mounts.
final class ProcessCgroupsTests: XCTestCase {
    static let runcOnHybrid = """
        9:name=systemd:/rs-test/x1
        8:pids:/rs-test/x1
        7:blkio:/rs-test/x1
        6:freezer:/rs-test/x1
        5:devices:/rs-test/x1
        4:memory:/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9/rs-test/x1
        3:cpuset:/rs-test/x1
        2:cpuacct:/rs-test/x1
        1:cpu:/rs-test/x1
        0::/rs-test/x1

        """

    func testHybridHostMapsEachControllerToItsHierarchy() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.hybrid, procCgroup: ProcCgroupTests.hybrid)
        let c = try XCTUnwrap(ProcessCgroups.resolve(ProcCgroup.parse(Self.runcOnHybrid), in: layout))
        XCTAssertEqual(c.version, .v1)
        XCTAssertEqual(c.directories["memory"], "/sys/fs/cgroup/memory/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9/rs-test/x1")
        XCTAssertEqual(c.directories["cpuacct"], "/sys/fs/cgroup/cpuacct/rs-test/x1")
        XCTAssertNil(c.directories["name=systemd"], "only the hierarchies Berth uses")
        XCTAssertNil(c.directories[""], "the hybrid host's unified mount holds no controller Berth reads")
        let files = c.statsFiles
        XCTAssertEqual(files.memoryUsage, "/sys/fs/cgroup/memory/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9/rs-test/x1/memory.usage_in_bytes")
        XCTAssertEqual(files.cpuUsage, "/sys/fs/cgroup/cpuacct/rs-test/x1/cpuacct.usage")
        XCTAssertEqual(files.pidsCurrent, "/sys/fs/cgroup/pids/rs-test/x1/pids.current")
    }

    func testUnifiedHostUsesTheOneDirectory() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.pureV2, procCgroup: ProcCgroupTests.pureV2)
        let c = try XCTUnwrap(ProcessCgroups.resolve(ProcCgroup.parse("0::/system.slice/containerd.service/default/web\n"), in: layout))
        XCTAssertEqual(c.version, .v2)
        XCTAssertEqual(c.statsFiles, CgroupStatsFiles.v2(directory: "/sys/fs/cgroup/system.slice/containerd.service/default/web"))
    }

    /// A cgroup outside the part of the hierarchy mounted here (Berth in a container) is not
    /// guessed at.
    func testCgroupOutsideTheMountedPartIsNotResolved() throws {
        let mounts = "50 40 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
        let layout = try CgroupLayout.detect(mountInfo: mounts, procCgroup: "4:memory:/docker/abc\n")
        XCTAssertNil(ProcessCgroups.resolve(ProcCgroup.parse("4:memory:/docker/other\n"), in: layout))
        let host = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.pureV2, procCgroup: ProcCgroupTests.pureV2)
        XCTAssertNil(ProcessCgroups.resolve(ProcCgroup.parse("0::/../../system.slice/x\n"), in: host),
                     "a path above the namespace's root never becomes a directory outside the mount")
        XCTAssertEqual(ProcessCgroups.resolve(ProcCgroup.parse("4:memory:/docker/abc/inner\n"), in: layout)?.directories["memory"],
                       "/sys/fs/cgroup/memory/inner")
    }

    func testThisProcessIsFound() throws {
        let resolver = try XCTUnwrap(ProcessCgroups.Resolver(), "this host's cgroup layout")
        let me = try XCTUnwrap(resolver.of(pid: getpid()), "this process's own cgroups must resolve")
        XCTAssertTrue(me.pids().contains(getpid()), "the process is listed in its own cgroup: \(me.directories)")
        XCTAssertNil(resolver.of(pid: 0))
    }
}
