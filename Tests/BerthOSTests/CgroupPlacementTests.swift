import XCTest
@testable import BerthOS

final class CgroupPlacementTests: XCTestCase {
    let memory = CgroupHierarchy(controllers: ["memory"], mountPoint: "/sys/fs/cgroup/memory", mountRoot: "/",
                                 currentPath: "/process_api/aceb")

    func testDefaultIsBerthBelowTheCurrentCgroup() throws {
        let p = try CgroupPlacement.resolve(memory, parent: nil)
        XCTAssertEqual(p.anchor, "/sys/fs/cgroup/memory/process_api/aceb")
        XCTAssertEqual(p.chain, ["/sys/fs/cgroup/memory/process_api/aceb/berth"])
        XCTAssertEqual(p.leaf("c1"), "/sys/fs/cgroup/memory/process_api/aceb/berth/c1")
    }

    func testRelativeParentIsBelowTheCurrentCgroup() throws {
        let p = try CgroupPlacement.resolve(memory, parent: "a/b/")
        XCTAssertEqual(p.chain, ["/sys/fs/cgroup/memory/process_api/aceb/a", "/sys/fs/cgroup/memory/process_api/aceb/a/b"])
    }

    func testAbsoluteParentIsFromTheHierarchyRoot() throws {
        let p = try CgroupPlacement.resolve(memory, parent: "/system.slice/berth")
        XCTAssertEqual(p.anchor, "/sys/fs/cgroup/memory")
        XCTAssertEqual(p.chain, ["/sys/fs/cgroup/memory/system.slice", "/sys/fs/cgroup/memory/system.slice/berth"])
    }

    func testCurrentCgroupAtTheRoot() throws {
        let cpu = CgroupHierarchy(controllers: ["cpu"], mountPoint: "/sys/fs/cgroup/cpu", mountRoot: "/", currentPath: "/")
        XCTAssertEqual(try CgroupPlacement.resolve(cpu, parent: nil).base, "/sys/fs/cgroup/cpu/berth")
    }

    func testRejectsTheRootAndDotDot() {
        XCTAssertThrowsError(try CgroupPlacement.resolve(memory, parent: "/"))
        XCTAssertThrowsError(try CgroupPlacement.resolve(memory, parent: "../escape"))
        XCTAssertThrowsError(try CgroupPlacement.validate(id: "a/b"))
        XCTAssertThrowsError(try CgroupPlacement.validate(id: ".."))
        XCTAssertThrowsError(try CgroupPlacement.validate(id: "cgroup.procs"))
        XCTAssertNoThrow(try CgroupPlacement.validate(id: "3f2a9c0d1e4b"))
    }
}
