import BerthOCI
import Foundation
import Glibc
import XCTest
import BerthTestSupport
@testable import BerthOS

/// The v2 device program (`DeviceFilterProgram`, `DeviceCgroupWriter.applyV2`) loaded into this
/// kernel and attached to a cgroup2 directory of the test's own: on a hybrid host the empty
/// unified hierarchy takes device programs too, so this runs here as well as in the v2 lane. A
/// shell moved into the directory opens device nodes of the host's /dev: /dev/null (a default)
/// opens, /dev/kmsg (1:11, in no default) is refused unless a rule names it with the access asked.
final class DeviceFilterHostTests: XCTestCase {
    var made: [String] = []

    override func tearDown() {
        for dir in made.reversed() { _ = rmdir(dir) }
        made = []
        super.tearDown()
    }

    /// A new directory below this process's cgroup2 cgroup.
    func cgroup2Directory(_ name: String) throws -> String {
        try Prerequisite.requireRoot()
        let mounts = MountInfo.parse(try KernelFile.read("/proc/self/mountinfo"))
        let own = ProcCgroup.parse(try KernelFile.read("/proc/self/cgroup")).first(where: \.isUnified)
        let mount = mounts.first { $0.fsType == "cgroup2" && $0.root == "/" }
        try Prerequisite.require(mount != nil && own != nil, "no cgroup2 hierarchy is mounted here")
        let path = mount!.mountPoint + (own!.path == "/" ? "" : own!.path) + "/berth-test-devbpf-\(getpid())-\(name)"
        XCTAssertEqual(mkdir(path, 0o755), 0, "mkdir \(path): \(String(cString: strerror(errno)))")
        made.append(path)
        return path
    }

    /// A shell that joins `dir`, then opens /dev/null and /dev/kmsg for writing (writing nothing).
    func opens(in dir: String) -> String {
        let r = Subprocess.run("/bin/sh", ["-c", """
            echo $$ > '\(dir)/cgroup.procs' || exit 9
            true > /dev/null && echo null-ok
            true > /dev/kmsg && echo kmsg-ok
            exit 0
            """])
        XCTAssertEqual(r.status, 0, r.both)
        return r.both
    }

    func testTheProgramDeniesWhatNoRuleAllows() throws {
        let plain = try cgroup2Directory("plain")
        try DeviceCgroupWriter.applyV2(try DeviceRules.effective(nil, nodes: []), dir: plain)
        let out = opens(in: plain)
        XCTAssertTrue(out.contains("null-ok"), out)
        XCTAssertFalse(out.contains("kmsg-ok"), out)
        XCTAssertTrue(out.contains("Operation not permitted"), out)

        let allowed = try cgroup2Directory("allowed")
        try DeviceCgroupWriter.applyV2(try DeviceRules.effective([try DeviceRule.parse("c 1:11 w")], nodes: []), dir: allowed)
        XCTAssertTrue(opens(in: allowed).contains("kmsg-ok"))

        // A read rule does not let a write through; a later deny overrides an earlier allow.
        let readOnly = try cgroup2Directory("readonly")
        try DeviceCgroupWriter.applyV2(try DeviceRules.effective([try DeviceRule.parse("c 1:11 r")], nodes: []), dir: readOnly)
        XCTAssertFalse(opens(in: readOnly).contains("kmsg-ok"))
        let denied = try cgroup2Directory("denied")
        try DeviceCgroupWriter.applyV2(try DeviceRules.effective([try DeviceRule.parse("c 1:11 w"),
                                                                  OCI.DeviceCgroup(allow: false, type: "c", major: 1, access: "w")], nodes: []),
                                       dir: denied)
        XCTAssertFalse(opens(in: denied).contains("kmsg-ok"))

        // --privileged: allow all.
        let all = try cgroup2Directory("all")
        try DeviceCgroupWriter.applyV2(try DeviceRules.effective([DeviceRules.allowAll.entry], nodes: []), dir: all)
        XCTAssertTrue(opens(in: all).contains("kmsg-ok"))
    }

    /// `--privileged` on a host with many devices: a rule for each node makes a long program,
    /// whose verifier log once overflowed its buffer and failed the load (ENOSPC) in the v2 lane.
    func testAProgramWithARuleForEveryHostDeviceLoads() throws {
        let many = try cgroup2Directory("many")
        var nodes: [OCI.Device] = []
        for i in 0..<400 {
            let major: Int64 = 200 + Int64(i / 50)
            nodes.append(OCI.Device(path: "/dev/n\(i)", type: i % 2 == 0 ? "c" : "b", major: major, minor: Int64(i)))
        }
        let rules = try DeviceRules.effective([try DeviceRule.parse("c 1:11 w")], nodes: nodes)
        XCTAssertGreaterThan(DeviceFilterProgram.compile(rules).count / 8, 2000, "the program is long")
        try DeviceCgroupWriter.applyV2(rules, dir: many)
        let out = opens(in: many)
        XCTAssertTrue(out.contains("null-ok") && out.contains("kmsg-ok"), out)
    }
}
