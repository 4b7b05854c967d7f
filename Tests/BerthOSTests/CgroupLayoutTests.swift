import XCTest
import BerthTestSupport
@testable import BerthOS

final class CgroupLayoutTests: XCTestCase {
    func testHybridHostIsV1WithSeparateCPUAndCPUAcct() throws {
        let layout = try CgroupLayout.detect(mountInfo: ProcMountInfoTests.hybrid, procCgroup: ProcCgroupTests.hybrid)
        guard case .v1(let hierarchies) = layout else { return XCTFail("expected v1, got \(layout)") }
        XCTAssertEqual(Set(hierarchies.flatMap(\.controllers)), ["pids", "blkio", "memory", "cpuset", "cpuacct", "cpu", "freezer", "devices"])
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

    /// Against BerthTestSupport's own reading of /proc/self/mountinfo and /proc/self/cgroup
    /// (a separate parser): v1 when a v1 hierarchy holds one of Berth's controllers, with exactly
    /// those hierarchies' mount points and this process's cgroup in each; v2 otherwise.
    func testThisHostIsDetected() throws {
        let layout = try Cgroups.currentLayout()
        let mounts = CgroupMount.all()
        XCTAssertFalse(mounts.isEmpty, "no cgroup mounted in /proc/self/mountinfo")
        let v1 = mounts.filter { !$0.isV2 && !$0.controllers.isDisjoint(with: CgroupLayout.v1Controllers) && $0.currentPath != nil }
        switch layout {
        case .v1(let hierarchies):
            XCTAssertFalse(v1.isEmpty, "detected v1 without a v1 hierarchy of Berth's controllers")
            XCTAssertEqual(Set(hierarchies.map(\.mountPoint)), Set(v1.map(\.mountPoint)))
            for h in hierarchies {
                let m = try XCTUnwrap(v1.first { $0.mountPoint == h.mountPoint })
                XCTAssertEqual(h.currentPath, m.currentPath, h.mountPoint)
                XCTAssertEqual(Set(h.controllers).subtracting(["name=systemd"]).isSubset(of: m.controllers), true, h.mountPoint)
            }
        case .v2(let h):
            XCTAssertEqual(v1.map(\.mountPoint), [], "detected v2 although v1 hierarchies hold Berth's controllers")
            let unified = try XCTUnwrap(mounts.first { $0.isV2 })
            XCTAssertEqual(h.mountPoint, unified.mountPoint)
            XCTAssertEqual(h.currentPath, unified.currentPath)
        }
    }
}
