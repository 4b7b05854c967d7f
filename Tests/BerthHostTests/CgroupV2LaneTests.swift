import Foundation
import Glibc
import XCTest
import BerthTestSupport

/// The cgroup v2 lane (docs/testing.md): boots Debian's kernel with the unified hierarchy only
/// (`Tests/V2Lane/lane.sh`), runs `subset` of this very test bundle inside the guest, and asserts
/// on what the guest reported. A machine that cannot boot the VM fails this test with the reason.
final class CgroupV2LaneTests: XCTestCase {
    /// What runs on real v2, chosen to cover every v2 path at a few minutes under software
    /// emulation: lifecycle, every limit, stats, OOM (of the init and of any process), pids,
    /// delegation and its refusal, exec joining the cgroup, the dashboard's sampler, removal.
    static let subset: [String] = [
        // The v2 backend itself: limits, delegation, refusal messages, memory.events, cgroup.kill.
        "BerthHostTests.CgroupV2HostTests",
        // The dashboard's sampler on real v2 cgroups.
        "BerthHostTests.StatsSamplerHostTests/testRealCgroupWithAChildProcess",
        "BerthHostTests.StatsSamplerHostTests/testSamplingCostOnRealCgroups",
        // End to end through the berth binary.
        "BerthIntegrationTests.ContainerLifecycleTests/testRunPrintsOutputAndPropagatesExitCode",
        "BerthIntegrationTests.ContainerLifecycleTests/testStopRestartAndStartAgain",
        "BerthIntegrationTests.ContainerLifecycleTests/testKillSendsTheSignal",
        "BerthIntegrationTests.ContainerLifecycleTests/testMemoryHogIsOOMKilledAndReported",
        "BerthIntegrationTests.ContainerLifecycleTests/testPidsLimitHolds",
        "BerthIntegrationTests.ContainerLifecycleTests/testCgroupLimitsAreApplied",
        "BerthIntegrationTests.ContainerLifecycleTests/testRmFlagRemovesTheContainer",
        "BerthIntegrationTests.LimitsAndOptionsTests/testStartAppliesWhatConfigJSONSays",
        "BerthIntegrationTests.RunFlagsTests/testCPUSharesAndCpusetReachTheCgroupAndTheScheduler",
        "BerthIntegrationTests.ExecTests/testExecJoinsTheContainersCgroup",
        "BerthIntegrationTests.ExecTests/testExecFailsCleanlyWhenThePidsLimitIsReached",
        "BerthIntegrationTests.CLIOutputTests/testStatsStreamsASampleAfterAnother",
        // Pause through cgroup.freeze (checked against cgroup.events), and a paused container's stop and removal.
        "BerthIntegrationTests.PauseRenamePortTests/testPauseFreezesAndUnpauseThaws",
        "BerthIntegrationTests.PauseRenamePortTests/testPausedContainersStopAndRemove",
        // An OOM kill of a helper reported for the container; the CLI's refusal under a non-delegating parent.
        "BerthIntegrationTests.ContainerCgroupTests",
        // --cpu-period/--cpu-quota in cpu.max, --memory-reservation in memory.low, --cpuset-mems, live
        // updates of them, and compose's keys (the tests that need a host disk cannot run in the guest).
        "BerthIntegrationTests.ResourceFlagsE2ETests/testUpdateChangesThemLiveAndTheTwoCPUFormsReplaceEachOther",
        "BerthIntegrationTests.ResourceFlagsE2ETests/testComposeKeysReachTheReplica",
        // The device program (BPF_CGROUP_DEVICE): the kernel's verdicts, then berth run's rules.
        "BerthHostTests.DeviceFilterHostTests",
        "BerthIntegrationTests.DeviceCgroupTests",
        // Nothing of the guest's run is left: cgroups, supervisors, roots.
        "BerthHostTests.ZZZHostLeakFinalTests",
        "BerthIntegrationTests.ZZZHostLeakFinalTests",
    ]

    static let repo: String = {
        // Tests/BerthHostTests/ThisFile.swift → the repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func testTheSubsetPassesOnARealUnifiedHierarchy() throws {
        try Prerequisite.requireRoot("the lane shares the host's root with a VM and runs containers in it")
        let bundle = try XCTUnwrap(Self.bundlePath(), "cannot find the running test bundle from /proc/self/exe")
        let results = "/var/tmp/berth-v2lane-\(getpid())"
        try? FileManager.default.removeItem(atPath: results)
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: results) }

        let started = Date()
        let lane = Subprocess.run("/bin/bash", [Self.repo + "/Tests/V2Lane/lane.sh", results, bundle, Self.subset.joined(separator: ",")],
                                  timeout: 1800)
        let wall = Date().timeIntervalSince(started)
        let accel = lane.stdout.split(separator: "\n").first { $0.hasPrefix("v2-lane-accel:") }.map(String.init) ?? "v2-lane-accel: unknown"
        guard lane.status == 0 else {
            return XCTFail("the v2 lane could not run (exit \(lane.status)): \(lane.stderr.suffix(3000))\n\(lane.stdout.suffix(2000))")
        }
        let log = (try? String(contentsOfFile: results + "/guest.log", encoding: .utf8)) ?? ""
        let kernel = Self.firstLine(results + "/kernel") ?? "unknown"
        let layout = Self.firstLine(results + "/layout") ?? "unknown"
        let outcome = LaneOutcome(xctestLog: log)
        print("v2-lane: \(outcome.passed.count) passed, \(outcome.failed.count) failed, kernel \(kernel), cgroup \(layout)")
        print("\(accel), \(Int(wall)) s wall")

        XCTAssertEqual(layout, "v2", "the guest did not see the unified hierarchy only")
        XCTAssertEqual(outcome.failed, [], "failed in the v2 guest:\n" + outcome.failureLines.joined(separator: "\n"))
        XCTAssertEqual(outcome.skipped, [], "skipped in the v2 guest (every test of the subset must run on v2)")
        XCTAssertGreaterThanOrEqual(outcome.passed.count, 20, "the lane ran too little; guest log:\n\(log.suffix(4000))")
        // Every entry of the subset ran and passed (a renamed test or class must be renamed here too).
        for name in Self.subset {
            let test = name.split(separator: ".", maxSplits: 1)[1].replacingOccurrences(of: "/", with: ".")
            let ran = name.contains("/") ? outcome.passed.contains(test) : outcome.passed.contains { $0.hasPrefix(test + ".") }
            XCTAssertTrue(ran, "\(test) did not pass in the guest")
        }
    }

    /// The bundle this process runs: `.build/debug/BerthPackageTests.xctest`.
    static func bundlePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return exe.hasSuffix(".xctest") ? exe : nil
    }

    static func firstLine(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
    }
}

/// What XCTest printed in the guest: `Test Case 'Class.test' passed|failed|skipped (…)`.
struct LaneOutcome {
    var passed: [String] = []
    var failed: [String] = []
    var skipped: [String] = []
    /// The `error:` lines, which say why a test failed.
    var failureLines: [String] = []

    init(xctestLog: String) {
        for line in xctestLog.split(separator: "\n") {
            if line.contains(": error: ") { failureLines.append(String(line)) }
            guard line.hasPrefix("Test Case '"), let close = line.dropFirst(11).firstIndex(of: "'") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 11)..<close])
            let rest = line[close...]
            if rest.hasPrefix("' passed") { passed.append(name) }
            else if rest.hasPrefix("' failed") { failed.append(name) }
            else if rest.hasPrefix("' skipped") { skipped.append(name) }
        }
    }
}
