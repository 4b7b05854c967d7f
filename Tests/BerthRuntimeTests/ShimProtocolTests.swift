@testable import BerthOS
@testable import BerthRuntime
import BerthOCI
import Foundation
import XCTest

/// The two files Swift and the C shim exchange: the launch plan (Swift → C) and `status` (C → Swift).
final class ShimProtocolTests: XCTestCase {
    func samplePlan() -> LaunchPlan {
        LaunchPlan(id: "abc", stateDirectory: "/r/containers/abc", logPath: "/r/containers/abc/container.log",
                   rootfs: "/r/containers/abc/rootfs", namespaces: ["pid", "mount", "cgroup"], hostname: "web",
                   mounts: [.init(type: "proc", source: "proc", destination: "/proc", flags: 14, data: "")],
                   devices: [.init(path: "/dev/null", major: 1, minor: 3)], symlinks: [("pts/ptmx", "/dev/ptmx")],
                   maskedPaths: ["/proc/kcore"], readonlyPaths: ["/proc/sys"], args: ["sh", "-c", "echo hi"],
                   env: ["PATH=/bin"], cwd: "/", uid: 0, gid: 0, additionalGids: [10], capabilities: [0, 1, 5, 31, 40],
                   noNewPrivileges: true, cgroupProcsFiles: ["/sys/fs/cgroup/pids/berth/abc/cgroup.procs"],
                   oomCounterFile: "/sys/fs/cgroup/memory/berth/abc/memory.oom_control", restart: "on-failure",
                   restartMax: 3, onExit: [])
    }

    /// Key/value pairs as plan.c reads them.
    func pairs(_ bytes: [UInt8]) -> [(String, String)] {
        let strings = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        return stride(from: 0, to: strings.count - 1, by: 2).map { (strings[$0], strings[$0 + 1]) }
    }

    func testPlanIsNulSeparatedPairsStartingWithTheVersion() {
        let bytes = samplePlan().encoded()
        XCTAssertEqual(bytes.last, 0)
        let p = pairs(bytes)
        XCTAssertEqual(p.first?.0, "berth-plan")
        XCTAssertEqual(p.first?.1, "1")
        XCTAssertEqual(p.filter { $0.0 == "arg" }.map(\.1), ["sh", "-c", "echo hi"])
        XCTAssertEqual(p.filter { $0.0 == "ns" }.map(\.1), ["pid", "mount", "cgroup"])
        XCTAssertEqual(p.first { $0.0 == "mount" }?.1, "proc\u{1F}proc\u{1F}/proc\u{1F}14\u{1F}")
        XCTAssertEqual(p.first { $0.0 == "device" }?.1, "/dev/null\u{1F}c\u{1F}1\u{1F}3\u{1F}666")
        // Capabilities as one hex mask: bits 0, 1, 5, 31 and 40.
        XCTAssertEqual(p.first { $0.0 == "caps" }?.1, String((1 << 0 | 1 << 1 | 1 << 5 | 1 << 31 | 1 << 40) as UInt64, radix: 16))
        XCTAssertEqual(p.first { $0.0 == "restart_max" }?.1, "3")
    }

    func testTheSeccompFilterTravelsAsHexWithItsFlags() throws {
        var plan = samplePlan()
        plan.seccomp = SeccompFilter(program: [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f], flags: 2)
        let p = pairs(try plan.validatedEncoding())
        XCTAssertEqual(p.filter { $0.0 == "seccomp_bpf" }.map(\.1), ["06000000" + "0000ff7f"])
        XCTAssertEqual(p.filter { $0.0 == "seccomp_flags" }.map(\.1), ["2"])
        // Not whole instructions, or none: refused before the shim sees it.
        plan.seccomp?.program = [1, 2, 3]
        XCTAssertThrowsError(try plan.validate())
        plan.seccomp?.program = []
        XCTAssertThrowsError(try plan.validate())
    }

    func testPlanRejectsWhatTheFlatFormatCannotCarry() {
        var plan = samplePlan()
        plan.args = ["sh", "a\u{0}b"]
        XCTAssertThrowsError(try plan.validate())
        plan = samplePlan()
        plan.mounts[0].data = "a\u{1F}b"
        XCTAssertThrowsError(try plan.validate())
        plan = samplePlan()
        plan.args = []
        XCTAssertThrowsError(try plan.validate())
        XCTAssertNoThrow(try samplePlan().validate())
    }

    func testStatusFileAsTheShimWritesIt() throws {
        let text = """
            status=exited
            shim_pid=4242
            shim_start=76722
            exit_code=137
            signal=9
            oom_killed=1
            started_at=1795914872362677073
            finished_at=1795914872566491126
            restart_count=2

            """
        let s = try XCTUnwrap(ShimStatus.parse(text))
        XCTAssertEqual(s.status, "exited")
        XCTAssertEqual(s.shimPid, 4242)
        XCTAssertEqual(s.shimStart, 76722)
        XCTAssertEqual(s.exitCode, 137)
        XCTAssertEqual(s.signal, 9)
        XCTAssertTrue(s.oomKilled)
        XCTAssertEqual(s.restartCount, 2)
        let state = s.containerState(shimAlive: false)
        XCTAssertEqual(state.status, .exited)
        XCTAssertEqual(state.startedAt?.timeIntervalSince1970 ?? 0, 1_795_914_872.362677, accuracy: 1e-5)
        XCTAssertNil(state.pid)
    }

    func testRunningWithoutASupervisorIsDead() throws {
        let s = try XCTUnwrap(ShimStatus.parse("status=running\nshim_pid=1\npid=7\nrestart_count=0\n"))
        XCTAssertEqual(s.containerState(shimAlive: true).status, .running)
        XCTAssertEqual(s.containerState(shimAlive: true).pid, 7)
        XCTAssertEqual(s.containerState(shimAlive: false).status, .dead)
        XCTAssertNil(ShimStatus.parse("garbage"))
        XCTAssertNil(ShimStatus.parse(""))
    }

    func testLaunchReports() {
        XCTAssertEqual(try ShimLauncher.parseReport("ok 1234"), 1234)
        XCTAssertThrowsError(try ShimLauncher.parseReport("err 127 exec /no/such: No such file or directory")) {
            XCTAssertEqual(($0 as? BerthError)?.exitCode, 127)
        }
        XCTAssertThrowsError(try ShimLauncher.parseReport("err 126 exec /etc/passwd: Permission denied")) {
            XCTAssertEqual(($0 as? BerthError)?.exitCode, 126)
        }
        XCTAssertThrowsError(try ShimLauncher.parseReport("err 125 mount /proc: Operation not permitted")) {
            XCTAssertEqual(($0 as? BerthError)?.description, "failed to start the container: mount /proc: Operation not permitted")
        }
        XCTAssertThrowsError(try ShimLauncher.parseReport(""))
    }
}
