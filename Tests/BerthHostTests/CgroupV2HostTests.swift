import Foundation
import Glibc
import XCTest
import BerthTestSupport
@testable import BerthOS
@testable import BerthRuntime

/// The v2 backend for real, on a unified hierarchy, below a unique test parent. Hosts with v1 or
/// the hybrid layout cannot run it: `CgroupV2LaneTests` runs this class in its v2 guest (where
/// `BERTH_V2LANE` is set and a missing v2 fails) and fails unless every test here passed.
final class CgroupV2HostTests: XCTestCase {
    var manager: (any CgroupManager)!
    var parent = ""
    var children: [TestChild] = []
    /// Directories a test made itself (not through the manager), removed innermost first.
    var madeDirectories: [String] = []
    let id = "c2"
    let mib: Int64 = 1 << 20

    override func setUpWithError() throws {
        if Cgroups.detectVersion() != .v2 {
            if ProcessInfo.processInfo.environment["BERTH_V2LANE"] != nil {
                try Prerequisite.unmet("the v2 lane's guest does not see cgroup v2 only")
            }
            throw XCTSkip("this host is not cgroup v2 only; CgroupV2LaneTests runs this class in its v2 guest")
        }
        parent = "berth-test-\(getpid())-\(name.filter(\.isLetter).suffix(24))"
        manager = try Cgroups.manager(parent: parent)
    }

    override func tearDown() {
        for child in children { child.kill() }
        children = []
        try? manager?.remove(id: id)
        if let base = try? currentDirectory() {
            _ = rmdir(base + "/" + parent + "/" + id)
            _ = rmdir(base + "/" + parent)
        }
        for dir in madeDirectories.reversed() { _ = rmdir(dir) }
        madeDirectories = []
    }

    /// This process's cgroup directory in the unified hierarchy.
    func currentDirectory() throws -> String {
        guard case .v2(let h) = try Cgroups.currentLayout(), let dir = h.directory(of: h.currentPath) else {
            throw BerthError.unsupported("no v2 hierarchy")
        }
        return dir
    }

    func testCreateAppliesEveryLimitAndDelegatesTheControllers() throws {
        let limits = ResourceLimits(memory: 64 * mib, memorySwap: 96 * mib, cpus: 0.5, cpuShares: 512, cpusetCpus: "0", pidsLimit: 20)
        let paths = try manager.create(id: id, limits: limits)
        let leaf = try currentDirectory() + "/" + parent + "/" + id
        XCTAssertEqual(paths.directories, [leaf])
        XCTAssertEqual(paths.procsFiles, [leaf + "/cgroup.procs"])
        XCTAssertEqual(paths.oomCounterFile, leaf + "/memory.events")
        XCTAssertEqual(try KernelFile.read(leaf + "/memory.max"), "67108864\n")
        // v2 limits swap alone (v1's memsw is memory + swap): 96 MiB of memory+swap leaves 32 MiB of swap.
        XCTAssertTrue(KernelFile.exists(leaf + "/memory.swap.max"), "the guest's kernel accounts swap")
        XCTAssertEqual(try KernelFile.read(leaf + "/memory.swap.max"), "33554432\n")
        XCTAssertEqual(try KernelFile.read(leaf + "/cpu.max"), "50000 100000\n")
        // runc's mapping of shares 2…262144 onto weight 1…10000: 1 + ((512 - 2) * 9999) / 262142.
        XCTAssertEqual(try KernelFile.read(leaf + "/cpu.weight"), "20\n")
        XCTAssertEqual(try KernelFile.read(leaf + "/cpuset.cpus"), "0\n")
        XCTAssertEqual(try KernelFile.read(leaf + "/pids.max"), "20\n")
        // The parent Berth made delegates what the limits and stats need; the leaf sees them.
        let delegated = Set(try KernelFile.read(try currentDirectory() + "/" + parent + "/cgroup.subtree_control").split(whereSeparator: \.isWhitespace))
        XCTAssertTrue(delegated.isSuperset(of: ["cpu", "cpuset", "io", "memory", "pids"]), "\(delegated)")
        XCTAssertTrue(KernelFile.exists(leaf + "/io.stat"))

        try manager.remove(id: id)
        XCTAssertFalse(KernelFile.exists(leaf))
        XCTAssertFalse(KernelFile.exists(try currentDirectory() + "/" + parent), "the test parent is removed too")
    }

    func testRemoveKillsEveryProcessStillInTheCgroup() throws {
        let paths = try manager.create(id: id, limits: ResourceLimits(pidsLimit: 50))
        // A shell with a child of its own: both must die, not only the pid Berth knew.
        let child = try TestChild.spawn(["/bin/sh", "-c", "sleep 60 & wait"])
        children.append(child)
        for file in paths.procsFiles { try KernelFile.write(String(child.pid), to: file) }
        var pids: [Int32] = []
        let deadline = MonotonicClock.nanos() + 20_000_000_000
        while pids.count < 2, MonotonicClock.nanos() < deadline {
            usleep(50_000)
            pids = manager.pids(id: id)
        }
        XCTAssertEqual(pids.count, 2, "the shell and its sleep: \(pids)")

        try manager.remove(id: id)
        XCTAssertFalse(paths.directories.contains(where: KernelFile.exists))
        var status: Int32 = 0
        XCTAssertEqual(waitpid(child.pid, &status, 0), child.pid)
        children = []
        XCTAssertEqual(status & 0x7f, SIGKILL, "the task left in the cgroup was killed, status \(status)")
    }

    func testCgroupKillEndsEveryProcessInOneWrite() throws {
        // `rm -f` on v2: CgroupTree.killAll writes cgroup.kill, it does not read pids and kill them one by one.
        let paths = try manager.create(id: id, limits: ResourceLimits(pidsLimit: 50))
        let leaf = try XCTUnwrap(paths.directories.first)
        let child = try TestChild.spawn(["/bin/sh", "-c", "sleep 60 & sleep 60 & wait"])
        children.append(child)
        for file in paths.procsFiles { try KernelFile.write(String(child.pid), to: file) }
        var pids: [Int32] = []
        let deadline = MonotonicClock.nanos() + 20_000_000_000
        while pids.count < 3, MonotonicClock.nanos() < deadline {
            usleep(50_000)
            pids = manager.pids(id: id)
        }
        XCTAssertEqual(pids.count, 3, "the shell and its two sleeps: \(pids)")

        XCTAssertTrue(CgroupTree.killAll(leaf), "cgroup.kill (Linux 5.14) was written")
        var status: Int32 = 0
        XCTAssertEqual(waitpid(child.pid, &status, 0), child.pid)
        children = []
        XCTAssertEqual(status & 0x7f, SIGKILL, "the shell was killed, status \(status)")
        while !manager.pids(id: id).isEmpty, MonotonicClock.nanos() < deadline { usleep(50_000) }
        XCTAssertEqual(manager.pids(id: id), [], "its children were killed with it")
        XCTAssertTrue(try KernelFile.read(leaf + "/cgroup.events").contains("populated 0"))
    }

    func testAParentThatDoesNotDelegateIsRefusedWithTheReason() throws {
        // A cgroup that is not Berth's and enables nothing for its children, as a systemd unit
        // without Delegate=yes: limits would silently not apply, so Berth refuses and says where.
        let foreign = try currentDirectory() + "/berth-test-\(getpid())-nodelegate"
        XCTAssertEqual(mkdir(foreign, 0o755), 0, "mkdir \(foreign): errno \(errno)")
        madeDirectories.append(foreign)
        let relative = String(foreign.dropFirst(try currentDirectory().count + 1))
        let refusing = try Cgroups.manager(parent: relative + "/inner")
        XCTAssertThrowsError(try refusing.create(id: id, limits: ResourceLimits(memory: 32 * mib, pidsLimit: 10))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("the cgroup \(foreign) does not delegate the memory, pids controllers"), message)
            XCTAssertTrue(message.contains("--cgroup-parent"), "says what to do: \(message)")
        }
        XCTAssertFalse(KernelFile.exists(foreign + "/inner"), "nothing is left of the refused create")
        // Without limits nothing needs delegating: the container gets a cgroup (for its processes
        // and cpu.stat), and removing it removes what Berth made, never the foreign parent.
        let paths = try refusing.create(id: id, limits: ResourceLimits())
        XCTAssertEqual(paths.directories, [foreign + "/inner/" + id])
        try refusing.remove(id: id)
        XCTAssertFalse(KernelFile.exists(foreign + "/inner"))
        XCTAssertTrue(KernelFile.isDirectory(foreign))
    }

    func testAnOOMKillOfAnyProcessIsCountedInMemoryEvents() throws {
        let paths = try manager.create(id: id, limits: ResourceLimits(memory: 32 * mib, memorySwap: 32 * mib))
        let events = try XCTUnwrap(paths.oomCounterFile)
        XCTAssertEqual(OOMKillCount.parse(try KernelFile.read(events)), 0)
        // The shell waits for its cgroup before it allocates: a helper, not the container's init, is killed.
        let child = try TestChild.spawn(["/bin/sh", "-c", "while ! grep -q /\(id)$ /proc/self/cgroup; do sleep 0.05; done; "
                                         + "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; exec sleep 60"])
        children.append(child)
        for file in paths.procsFiles { try KernelFile.write(String(child.pid), to: file) }
        var kills: UInt64 = 0
        let deadline = MonotonicClock.nanos() + 60_000_000_000
        while kills == 0, MonotonicClock.nanos() < deadline {
            usleep(100_000)
            kills = OOMKillCount.parse(try KernelFile.read(events))
        }
        XCTAssertGreaterThanOrEqual(kills, 1, "memory.events: \((try? KernelFile.read(events)) ?? "unreadable")")
        XCTAssertTrue(manager.pids(id: id).contains(child.pid), "the shell itself survived the kill of its helper")
        let sample = try XCTUnwrap(StatsSampler(manager: manager).sample([(id: id, pid: child.pid)]).first)
        XCTAssertEqual(sample.oomKills, kills, "the sampler reads the same counter")
        // Reclaiming up to the limit stalls the cgroup's tasks on memory: the kernel counted it.
        let memory = try XCTUnwrap(sample.pressure?.memory, "memory.pressure of the container's cgroup")
        XCTAssertGreaterThan(memory.some.totalMicroseconds, 0, "an OOM kill at the limit is preceded by a memory stall")
    }

    func testTheSupervisorClonesTheInitIntoItsCgroup() throws {
        // Tests/ShimUnit/clone_into_cgroup_test.c links the shim's cgroup_clone.c (and util.c, for
        // join_cgroups' error reporting): its child must
        // be in the cgroup when it first runs (clone3 with CLONE_INTO_CGROUP), not moved later.
        let clang = ["/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? Prerequisite.find("clang")
        guard let clang else { try Prerequisite.unmet("clang is missing (the Swift toolchain ships it)") }
        var repo = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { repo.deleteLastPathComponent() }
        let dir = NSTemporaryDirectory() + "berth-clone3-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let program = dir + "/clone_test"
        let built = Subprocess.run(clang, ["-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Werror", "-I", repo.path + "/Sources/berth-shim",
                                           repo.path + "/Tests/ShimUnit/clone_into_cgroup_test.c",
                                           repo.path + "/Sources/berth-shim/cgroup_clone.c",
                                           repo.path + "/Sources/berth-shim/util.c", "-o", program], timeout: 300)
        XCTAssertEqual(built.status, 0, "compiling clone_into_cgroup_test.c: \(built.stderr)")
        guard built.status == 0 else { return }

        let paths = try manager.create(id: id, limits: ResourceLimits(pidsLimit: 10))
        let leaf = try XCTUnwrap(paths.directories.first)
        guard case .v2(let h) = try Cgroups.currentLayout() else { return XCTFail("not v2") }
        let relative = String(leaf.dropFirst(h.mountPoint.count))
        let expected = "0::" + (h.mountRoot == "/" ? relative : h.mountRoot + relative)
        let run = Subprocess.run(program, [leaf, expected], timeout: 60)
        XCTAssertEqual(run.status, 0, "clone_test failed:\n\(run.stdout)\(run.stderr)")
        XCTAssertEqual(run.stdout, "ok\n")
    }

    func testRejectedValueNamesTheFileAndUndoesTheCreate() throws {
        XCTAssertThrowsError(try manager.create(id: id, limits: ResourceLimits(cpusetCpus: "4000-4001"))) { error in
            guard case .system(let op, let path?, let e)? = error as? BerthError else { return XCTFail("\(error)") }
            XCTAssertEqual(op, "write")
            XCTAssertTrue(path.hasSuffix("/\(parent)/\(id)/cpuset.cpus"), path)
            XCTAssertTrue(e == ERANGE || e == EINVAL, "errno \(e)")
        }
        XCTAssertFalse(manager.paths(id: id).directories.contains(where: KernelFile.exists))
    }
}
