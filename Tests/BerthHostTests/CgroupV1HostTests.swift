import Foundation
import Glibc
import XCTest
import BerthTestSupport
@testable import BerthOS
@testable import BerthRuntime

/// The v1 backend for real, on this machine's hierarchies, below a unique test parent.
final class CgroupV1HostTests: XCTestCase {
    var manager: (any CgroupManager)!
    var parent = ""
    var children: [TestChild] = []
    let id = "c1"
    let mib: Int64 = 1 << 20

    override func setUpWithError() throws {
        try Prerequisite.require(Cgroups.detectVersion() == .v1, "this host is not cgroup v1 (the test reads v1 files)")
        parent = "berth-test-\(getpid())-\(name.filter(\.isLetter).suffix(24))"
        manager = try Cgroups.manager(parent: parent)
    }

    override func tearDown() {
        for child in children { child.kill() }
        children = []
        try? manager?.remove(id: id)
        // Whatever a failed assertion left behind: this test's leaf and parent, never anything else.
        if case .v1(let hierarchies)? = try? Cgroups.currentLayout() {
            for h in hierarchies {
                guard let p = try? CgroupPlacement.resolve(h, parent: parent) else { continue }
                _ = rmdir(p.leaf(id))
                _ = rmdir(p.base)
            }
        }
    }

    func testCreateAppliesLimitsNestedUnderTheCurrentCgroup() throws {
        let paths = try manager.create(id: id, limits: ResourceLimits(memory: 64 * mib, cpus: 0.5, pidsLimit: 20))
        let layout = try Cgroups.currentLayout()
        guard case .v1(let hierarchies) = layout else { return XCTFail() }
        for h in hierarchies where !h.controllers.contains("cpuset") {
            let current = try XCTUnwrap(h.directory(of: h.currentPath))
            let expected = current + "/" + parent + "/" + id
            XCTAssertTrue(paths.directories.contains(expected), "\(expected) not in \(paths.directories)")
            XCTAssertTrue(KernelFile.isDirectory(expected))
        }
        let memory = try XCTUnwrap(hierarchies.first { $0.has("memory") })
        let memoryDir = try XCTUnwrap(paths.directories.first { $0.hasPrefix(memory.mountPoint + "/") })
        XCTAssertTrue(memoryDir.contains(memory.currentPath == "/" ? "/" + parent : memory.currentPath + "/" + parent),
                      "nested under the current cgroup, not the hierarchy's root: \(memoryDir)")
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.limit_in_bytes"), "67108864\n")
        let cpuDir = try XCTUnwrap(manager.statsFiles(id: id).cpuStat).replacingOccurrences(of: "/cpu.stat", with: "")
        XCTAssertEqual(try KernelFile.read(cpuDir + "/cpu.cfs_period_us"), "100000\n")
        XCTAssertEqual(try KernelFile.read(cpuDir + "/cpu.cfs_quota_us"), "50000\n")
        let pidsDir = try XCTUnwrap(manager.statsFiles(id: id).pidsMax).replacingOccurrences(of: "/pids.max", with: "")
        XCTAssertEqual(try KernelFile.read(pidsDir + "/pids.max"), "20\n")
        XCTAssertEqual(paths.oomCounterFile, memoryDir + "/memory.oom_control")
        XCTAssertFalse(paths.directories.contains { $0.contains("/cpuset/") }, "no cpuset asked for")
        XCTAssertEqual(manager.paths(id: id), paths)
        XCTAssertEqual(manager.pids(id: id), [])

        try manager.remove(id: id)
        for dir in paths.directories {
            XCTAssertFalse(KernelFile.exists(dir), dir)
            XCTAssertFalse(KernelFile.exists(String(dir.dropLast(id.count + 1))), "the test parent is removed too")
        }
    }

    func testMemoryAndSwapCanBeRaisedAndLowered() throws {
        guard let memoryDir = manager.statsFiles(id: id).memoryLimit?.replacingOccurrences(of: "/memory.limit_in_bytes", with: "") else {
            try Prerequisite.unmet("no v1 memory controller")
        }
        _ = try manager.create(id: id, limits: ResourceLimits(memory: 64 * mib, memorySwap: 128 * mib))
        try Prerequisite.require(KernelFile.exists(memoryDir + "/memory.memsw.limit_in_bytes"), "no swap accounting (memory.memsw.*)")
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.memsw.limit_in_bytes"), "134217728\n")
        _ = try manager.create(id: id, limits: ResourceLimits(memory: 256 * mib, memorySwap: 512 * mib))
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.limit_in_bytes"), "268435456\n")
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.memsw.limit_in_bytes"), "536870912\n")
        _ = try manager.create(id: id, limits: ResourceLimits(memory: 32 * mib, memorySwap: 64 * mib))
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.limit_in_bytes"), "33554432\n")
        XCTAssertEqual(try KernelFile.read(memoryDir + "/memory.memsw.limit_in_bytes"), "67108864\n")
    }

    /// A task still in the cgroup when it is removed (a stray the supervisor left) is killed, and the
    /// directory goes once the kernel has let it go: remove never leaves a half-removed container behind.
    func testCpusetCgroupAcceptsATaskAndRemoveKillsWhatIsStillInIt() throws {
        let paths = try manager.create(id: id, limits: ResourceLimits(cpusetCpus: "0"))
        let cpusetDir = try XCTUnwrap(paths.directories.first { $0.contains("/cpuset/") })
        XCTAssertEqual(try KernelFile.read(cpusetDir + "/cpuset.cpus"), "0\n")
        let child = try TestChild.spawn(["/bin/sleep", "30"])
        children.append(child)
        for file in paths.procsFiles {
            try KernelFile.write(String(child.pid), to: file)
        }
        XCTAssertEqual(manager.pids(id: id), [child.pid])

        try manager.remove(id: id)
        XCTAssertFalse(paths.directories.contains(where: KernelFile.exists))
        var status: Int32 = 0
        XCTAssertEqual(waitpid(child.pid, &status, 0), child.pid)
        children = []
        XCTAssertEqual(status & 0x7f, SIGKILL, "the task left in the cgroup was killed, status \(status)")
    }

    func testRejectedValueNamesTheFileAndUndoesTheCreate() throws {
        XCTAssertThrowsError(try manager.create(id: id, limits: ResourceLimits(cpusetCpus: "4000-4001"))) { error in
            guard case .system(let op, let path?, let e)? = error as? BerthError else { return XCTFail("\(error)") }
            XCTAssertEqual(op, "write")
            XCTAssertTrue(path.hasSuffix("/\(parent)/\(id)/cpuset.cpus"), path)
            XCTAssertTrue(e == ERANGE || e == EINVAL, "errno \(e)")
            XCTAssertEqual(String(describing: error), "write \(path): \(String(decoding: UnsafeRawBufferPointer(start: strerror(e), count: strlen(strerror(e))), as: UTF8.self))")
        }
        XCTAssertFalse(manager.paths(id: id).directories.contains(where: KernelFile.exists))
    }
}
