import Foundation
import XCTest
import BerthTestSupport

/// `berth update`: limits changed live in the running container's cgroups and in its config.json,
/// the restart policy applied by the running supervisor.
final class UpdateTests: ContainerTestCase {
    override class var rootLabel: String { "update" }

    private func id(_ name: String) throws -> String {
        try XCTUnwrap((try? cli.inspect(name))?["Id"] as? String)
    }

    /// The container's cgroup file `name`, read from the kernel.
    private func cgroupValue(_ id: String, _ name: String) throws -> String {
        let r = Subprocess.run("/usr/bin/find", ["/sys/fs/cgroup", "-path", "*/\(id)/\(name)"])
        let file = try XCTUnwrap(r.stdout.split(separator: "\n").first.map(String.init), "no \(name) for \(id)")
        return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testLimitsChangeLiveAndAreStored() throws {
        try Prerequisite.require(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory"), "cgroup v1 memory hierarchy")
        XCTAssertEqual(cli.run(["run", "-d", "--name", "lim", "-m", "64m", "--pids-limit", "50", "busybox", "sleep", "600"]).status, 0)
        let cid = try id("lim")
        XCTAssertEqual(try cgroupValue(cid, "memory.limit_in_bytes"), "67108864")
        let r = cli.run(["update", "-m", "96m", "--pids-limit", "70", "--cpus", "0.5", "--cpu-shares", "512", "lim"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "lim\n")
        XCTAssertEqual(try cgroupValue(cid, "memory.limit_in_bytes"), "100663296")
        XCTAssertEqual(try cgroupValue(cid, "pids.max"), "70")
        XCTAssertEqual(try cgroupValue(cid, "cpu.cfs_quota_us"), "50000")
        XCTAssertEqual(try cgroupValue(cid, "cpu.shares"), "512")
        // config.json holds them: a restart applies the same values.
        let spec = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cli.root + "/containers/\(cid)/config.json"))) as? [String: Any])
        let resources = try XCTUnwrap((spec["linux"] as? [String: Any])?["resources"] as? [String: Any])
        XCTAssertEqual((resources["memory"] as? [String: Any])?["limit"] as? Int, 100_663_296)
        XCTAssertEqual((resources["pids"] as? [String: Any])?["limit"] as? Int, 70)
        XCTAssertEqual(cli.run(["restart", "-t", "0", "lim"]).status, 0)
        XCTAssertEqual(try cgroupValue(cid, "memory.limit_in_bytes"), "100663296")
        XCTAssertEqual(try cgroupValue(cid, "pids.max"), "70")

        // Refusals: LimitRules' messages, nothing changed.
        let tooSmall = cli.run(["update", "-m", "1m", "lim"])
        XCTAssertEqual(tooSmall.status, 1)
        XCTAssertEqual(tooSmall.stderr, "berth: the memory limit (1.0MiB) is below the minimum of 6MiB\n")
        XCTAssertEqual(try cgroupValue(cid, "memory.limit_in_bytes"), "100663296")
        XCTAssertEqual(cli.run(["update", "lim"]).status, 125)
        XCTAssertEqual(cli.run(["update", "-m", "lots", "lim"]).status, 125)
        XCTAssertEqual(cli.run(["update", "--restart", "sometimes", "lim"]).status, 125)
        XCTAssertEqual(cli.run(["update", "-m", "64m", "nosuch"]).status, 1)
    }

    /// A policy set while the container runs is applied by its supervisor at the next exit.
    func testRestartPolicyAppliesToTheRunningContainer() throws {
        let script = "while [ ! -e /go ]; do sleep 0.05; done; exit 1"
        XCTAssertEqual(cli.run(["run", "-d", "--name", "flaky", "busybox", "sh", "-c", script]).status, 0)
        let r = cli.run(["update", "--restart", "on-failure:2", "flaky"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(cli.run(["exec", "flaky", "touch", "/go"]).status, 0)
        // /go stays in the writable layer: each restart exits at once, twice, then it stays down.
        XCTAssertTrue(try cli.eventually(timeout: 30) {
            let c = try cli.inspect("flaky")
            return (c["State"] as? [String: Any])?["Status"] as? String == "exited" && c["RestartCount"] as? Int == 2
        })
        let info = try cli.inspect("flaky")
        XCTAssertEqual(dig(info, "HostConfig", "RestartPolicy", "Name") as? String, "on-failure")
        XCTAssertEqual(dig(info, "HostConfig", "RestartPolicy", "MaximumRetryCount") as? Int, 2)
    }
}
