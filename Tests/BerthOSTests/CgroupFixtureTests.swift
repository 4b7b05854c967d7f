import Foundation
import Glibc
import XCTest
@testable import BerthOS

/// A cgroup hierarchy imitated in a temp directory. The hooks do what the kernel does for cgroupfs:
/// a new directory comes with (empty) interface files, and rmdir succeeds although they are there.
final class CgroupFixture {
    let root: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/berth-cgroup-fixture-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else { throw BerthError.errno("mkdtemp") }
        root = String(decoding: UnsafeRawBufferPointer(start: dir, count: strlen(dir)), as: UTF8.self)
    }

    func path(_ relative: String) -> String { relative.isEmpty ? root : root + "/" + relative }

    func mkdir(_ relative: String) {
        try? FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
    }

    /// Replaces the file's content in place (truncate, not rename), so descriptors held open see it.
    func write(_ relative: String, _ content: String) {
        let f = fopen(path(relative), "w")!
        fputs(content, f)
        fclose(f)
    }

    func read(_ relative: String) -> String? {
        (try? KernelFile.read(path(relative)))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func destroy() { try? FileManager.default.removeItem(atPath: root) }

    /// Interface files of a new v2 cgroup; `brokenFile` is made a directory so that writing it fails.
    /// `extra`: files a kernel has only with some option or scheduler (`io.max`, `io.bfq.weight`).
    static func v2Hooks(brokenFile: String? = nil, extra: [String] = []) -> CgroupTree.Hooks {
        hooks(files: ["cgroup.procs", "cgroup.controllers", "cgroup.subtree_control", "cgroup.events",
                      "memory.current", "memory.max", "memory.swap.max", "memory.stat", "memory.events",
                      "cpu.max", "cpu.weight", "cpu.stat", "pids.current", "pids.max", "io.stat", "cpuset.cpus"] + extra,
              brokenFile: brokenFile)
    }

    /// Interface files of a new v1 cgroup (all controllers' files; a real directory has only its hierarchy's).
    static func v1Hooks(extra: [String] = []) -> CgroupTree.Hooks {
        hooks(files: ["cgroup.procs", "tasks", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
                      "memory.usage_in_bytes", "memory.stat", "memory.oom_control", "cpu.cfs_period_us",
                      "cpu.cfs_quota_us", "cpu.shares", "cpu.stat", "cpuacct.usage", "pids.max", "pids.current",
                      "cpuset.cpus", "cpuset.mems", "blkio.throttle.io_service_bytes_recursive"] + extra,
              brokenFile: nil)
    }

    private static func hooks(files: [String], brokenFile: String?) -> CgroupTree.Hooks {
        CgroupTree.Hooks(
            afterMkdir: { dir in
                for file in files { _ = FileManager.default.createFile(atPath: dir + "/" + file, contents: nil) }
                if let brokenFile {
                    try? FileManager.default.removeItem(atPath: dir + "/" + brokenFile)
                    try? FileManager.default.createDirectory(atPath: dir + "/" + brokenFile, withIntermediateDirectories: false)
                }
            },
            beforeRmdir: { dir in
                // Interface files all have a dot ("memory.max"); child cgroups here do not.
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                guard entries.allSatisfy({ $0.contains(".") || $0 == "tasks" }) else { return }
                for entry in entries { try? FileManager.default.removeItem(atPath: dir + "/" + entry) }
            })
    }
}

final class CgroupFixtureTests: XCTestCase {
    func testHooksImitateCgroupfs() throws {
        let fixture = try CgroupFixture()
        defer { fixture.destroy() }
        let tree = CgroupTree(hooks: CgroupFixture.v2Hooks())
        let created = try tree.makeDirectories([fixture.path("a"), fixture.path("a/b")])
        XCTAssertEqual(created, [fixture.path("a"), fixture.path("a/b")])
        XCTAssertTrue(fixture.exists("a/b/memory.max"))
        XCTAssertEqual(try tree.makeDirectories([fixture.path("a")]), [], "existing directories are not reported as created")
        XCTAssertFalse(tree.removeIfEmpty(fixture.path("a")), "a directory with a child cgroup stays")
        try tree.removeLeaf(fixture.path("a/b"), deadline: CgroupTree.retryDeadline())
        try tree.removeLeaf(fixture.path("a/b"), deadline: CgroupTree.retryDeadline())
        XCTAssertTrue(tree.removeIfEmpty(fixture.path("a")))
        XCTAssertFalse(fixture.exists("a"))
    }
}
