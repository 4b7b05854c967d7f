import XCTest
@testable import BerthOS

final class ProcCgroupTests: XCTestCase {
    /// /proc/self/cgroup of a process on this machine (v1 hybrid, memory in a per-session cgroup).
    static let hybrid = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        5:devices:/
        4:memory:/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9
        3:cpuset:/
        2:cpuacct:/
        1:cpu:/
        0::/

        """

    /// A systemd host with cpu and cpuacct co-mounted (pure v1).
    static let pureV1 = """
        12:pids:/user.slice/user-1000.slice/session-3.scope
        11:cpu,cpuacct:/user.slice
        10:memory:/user.slice/user-1000.slice/session-3.scope
        9:blkio:/user.slice
        8:cpuset:/
        1:name=systemd:/user.slice/user-1000.slice/session-3.scope

        """

    /// A pure v2 host.
    static let pureV2 = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/berth.scope\n"

    func testParsesEveryLineOfTheHybridLayout() {
        let entries = ProcCgroup.parse(Self.hybrid)
        XCTAssertEqual(entries.count, 10)
        XCTAssertEqual(entries[0], ProcCgroupEntry(hierarchyID: 9, controllers: ["name=systemd"], path: "/"))
        XCTAssertEqual(entries[5], ProcCgroupEntry(hierarchyID: 4, controllers: ["memory"],
                                                   path: "/process_api/aceb610e33e4b1c7d3ae7f4c8d7afea9"))
        XCTAssertTrue(entries[9].isUnified)
        XCTAssertFalse(entries[8].isUnified)
    }

    func testSplitsCoMountedControllers() {
        let entries = ProcCgroup.parse(Self.pureV1)
        XCTAssertEqual(entries.first { $0.hierarchyID == 11 }?.controllers, ["cpu", "cpuacct"])
        XCTAssertEqual(entries.first { $0.hierarchyID == 12 }?.path, "/user.slice/user-1000.slice/session-3.scope")
    }

    func testKeepsColonsInsideThePath() {
        let entries = ProcCgroup.parse("0::/weird:name\n")
        XCTAssertEqual(entries, [ProcCgroupEntry(hierarchyID: 0, controllers: [], path: "/weird:name")])
    }

    func testReadsThisProcess() throws {
        let entries = ProcCgroup.parse(try KernelFile.read("/proc/self/cgroup"))
        XCTAssertFalse(entries.isEmpty)
        XCTAssertTrue(entries.allSatisfy { $0.path.hasPrefix("/") })
    }
}
