import XCTest
@testable import BerthRuntime

final class CgroupLayoutTests: XCTestCase {
    func testHybridHostIsV1WithSeparateCPUAndCPUAcct() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.hybrid, procCgroup: ProcCgroupTests.hybrid)
        guard case .v1(let hierarchies) = layout else { return XCTFail("expected v1, got \(layout)") }
        XCTAssertEqual(Set(hierarchies.flatMap(\.controllers)), ["pids", "blkio", "memory", "cpuset", "cpuacct", "cpu"])
        let memory = try XCTUnwrap(hierarchies.first { $0.has("memory") })
        XCTAssertEqual(memory.mountPoint, "/sys/fs/cgroup/memory")
        XCTAssertEqual(memory.directory(of: memory.currentPath),
                       "/sys/fs/cgroup/memory/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9")
        XCTAssertEqual(hierarchies.first { $0.has("cpuacct") }?.mountPoint, "/sys/fs/cgroup/cpuacct")
        XCTAssertFalse(hierarchies.contains { $0.controllers.contains("name=systemd") })
    }

    func testPureV1CoMountsCPUAndCPUAcct() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.pureV1, procCgroup: ProcCgroupTests.pureV1)
        guard case .v1(let hierarchies) = layout else { return XCTFail("expected v1") }
        let cpu = try XCTUnwrap(hierarchies.first { $0.has("cpu") })
        XCTAssertEqual(cpu.controllers, ["cpu", "cpuacct"])
        XCTAssertTrue(cpu.mountPoint.hasPrefix("/sys/fs/cgroup/cpu"))
        XCTAssertEqual(cpu.directory(of: cpu.currentPath), cpu.mountPoint + "/user.slice")
        XCTAssertEqual(hierarchies.count, 5)
    }

    func testPureV2() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.pureV2, procCgroup: ProcCgroupTests.pureV2)
        guard case .v2(let h) = layout else { return XCTFail("expected v2") }
        XCTAssertEqual(h.directory(of: h.currentPath),
                       "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/berth.scope")
    }

    /// Inside a container whose runtime bind-mounted only its own part of the hierarchy, the mount's root
    /// field is that cgroup, and /proc/self/cgroup still shows the full path.
    func testMountRootIsStrippedFromThePath() throws {
        let mounts = "50 40 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
        let layout = try CgroupLayout.detect(mountInfo: mounts, procCgroup: "4:memory:/docker/abc\n")
        guard case .v1(let hierarchies) = layout else { return XCTFail("expected v1") }
        XCTAssertEqual(hierarchies[0].directory(of: "/docker/abc"), "/sys/fs/cgroup/memory")
        XCTAssertEqual(hierarchies[0].directory(of: "/docker/abc/berth"), "/sys/fs/cgroup/memory/berth")
        XCTAssertNil(hierarchies[0].directory(of: "/other"))
        XCTAssertNil(hierarchies[0].directory(of: "/docker/abcdef"))
    }

    func testNoCgroupsMountedThrows() {
        XCTAssertThrowsError(try CgroupLayout.detect(mountInfo: "22 27 0:21 / /proc rw - proc proc rw\n",
                                                     procCgroup: ProcCgroupTests.hybrid))
    }

    func testThisHostIsDetected() throws {
        let layout = try Cgroups.currentLayout()
        XCTAssertEqual(Cgroups.detectVersion(), layout.version)
    }
}
