import BerthOS
import Foundation
import XCTest
import BerthRuntime
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The `run` flags the README and `berth run --help` document, each checked against what the
/// container or the host shows, not against Berth's own record alone.
final class RunFlagsTests: ContainerTestCase {
    override class var rootLabel: String { "flags" }

    func testNetworkHostSharesTheHostsNetworkNamespace() throws {
        let host = try XCTUnwrap(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net"))
        let shared = cli.run(["run", "--rm", "--network", "host", "busybox", "readlink", "/proc/self/ns/net"])
        XCTAssertEqual(shared.status, 0, shared.stderr)
        XCTAssertEqual(shared.stdout, host + "\n", "--network host: the host's network namespace")
        let own = cli.run(["run", "--rm", "--network", "none", "busybox", "readlink", "/proc/self/ns/net"])
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertNotEqual(own.stdout, host + "\n", "--network none: a namespace of its own")

        XCTAssertEqual(cli.run(["run", "-d", "--name", "on-host", "--network", "host", "busybox", "sleep", "30"]).status, 0)
        let record = try cli.inspect("on-host")
        XCTAssertEqual(dig(record, "HostConfig", "NetworkMode") as? String, "host")
        XCTAssertEqual(dig(record, "NetworkSettings", "IPAddress") as? String, "", "no bridge address for a host-network container")
        XCTAssertEqual((dig(record, "NetworkSettings", "Networks") as? [String: Any])?.keys.sorted(), ["host"])
        XCTAssertEqual(cli.run(["rm", "-f", "on-host"]).status, 0)
    }

    /// An image's `berth.*` labels would make its containers a service's replicas (the service name
    /// answered by every member's DNS server, orphans that `up` removes): only Berth sets them, so they are dropped.
    func testAnImageCannotClaimBerthsOwnLabels() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "flags-labels")
        try HandMadeImages.make(["format": "oci", "out": dir + "/lb", "images": [[
            "config": ["Env": ["PATH=/bin"], "Cmd": ["sleep", "600"],
                       "Labels": ["berth.service": "db\n10.9.9.9 evil", "berth.project": "theirs", "berth.replica": "1", "team": "x"]],
            "layers": [["busybox": true]]]]])
        XCTAssertEqual(cli.run(["image", "import", dir + "/lb", "--name", "labelled:1"]).status, 0)
        defer { cli.run(["image", "rm", "-f", "labelled:1"]) }
        XCTAssertEqual(cli.run(["run", "-d", "--name", "claimer", "labelled:1"]).status, 0)
        XCTAssertEqual(cli.run(["run", "-d", "--name", "reader", "busybox", "sleep", "600"]).status, 0)
        defer { cli.run(["rm", "-f", "claimer", "reader"]) }
        let inspected = try cli.inspect("claimer")
        XCTAssertEqual(dig(inspected, "Config", "Labels") as? [String: String], ["team": "x"], "the image's own labels stay, Berth's go")
        // Names come from the containers' DNS server: the container's own name resolves, the
        // label's service name (and the line it tried to smuggle in) does not.
        XCTAssertEqual(cli.lookup("reader", "claimer").count, 1, "claimer resolves")
        XCTAssertEqual(cli.lookup("reader", "db"), [], "the image's berth.service label made no service name")
        let hosts = cli.run(["exec", "reader", "cat", "/etc/hosts"]).stdout
        XCTAssertFalse(hosts.contains("evil") || hosts.contains("\tdb"), hosts)
    }

    func testEntrypointReplacesTheImagesAndDropsItsCmd() throws {
        try Prerequisite.requireTool("python3")
        let dir = try scratchDirectory(self, "flags-ep")
        try HandMadeImages.make(["format": "oci", "out": dir + "/ep", "images": [[
            "config": ["Env": ["PATH=/bin"], "Entrypoint": ["/bin/echo", "from-entrypoint"], "Cmd": ["from-cmd"]],
            "layers": [["busybox": true]]]]])
        let imported = cli.run(["image", "import", dir + "/ep", "--name", "ep:1"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        defer { cli.run(["image", "rm", "-f", "ep:1"]) }

        XCTAssertEqual(cli.run(["run", "--rm", "ep:1"]).stdout, "from-entrypoint from-cmd\n", "the image's Entrypoint and Cmd")
        XCTAssertEqual(cli.run(["run", "--rm", "ep:1", "given"]).stdout, "from-entrypoint given\n", "arguments replace Cmd only")
        // --entrypoint drops the image's Cmd too (docker): hostname would try to set "from-cmd".
        let replaced = cli.run(["run", "--rm", "--hostname", "plain", "--entrypoint", "/bin/hostname", "ep:1"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertEqual(replaced.stdout, "plain\n")
        XCTAssertEqual(cli.run(["run", "--rm", "--entrypoint", "/bin/echo", "ep:1", "a", "b"]).stdout, "a b\n")
        // An empty entrypoint clears the image's: the arguments are the whole command.
        XCTAssertEqual(cli.run(["run", "--rm", "--entrypoint", "", "ep:1", "echo", "cleared"]).stdout, "cleared\n")

        XCTAssertEqual(cli.run(["create", "--name", "ep-made", "--entrypoint", "/bin/echo", "ep:1", "x"]).status, 0)
        let record = try cli.inspect("ep-made")
        XCTAssertEqual(dig(record, "Config", "Cmd") as? [String], ["/bin/echo", "x"])
        XCTAssertEqual(record["Path"] as? String, "/bin/echo")
        XCTAssertEqual(record["Args"] as? [String], ["x"])
        XCTAssertEqual(cli.run(["rm", "ep-made"]).status, 0)
    }

    /// The CPUs this process may run on, from its own /proc status (the kernel's view).
    static func allowedCPUs(_ status: String) -> [Int] {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [] }
        let list = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
        return list.split(separator: ",").flatMap { part -> [Int] in
            let ends = part.split(separator: "-").compactMap { Int($0) }
            return ends.count == 2 ? Array(ends[0]...ends[1]) : ends
        }
    }

    func testCPUSharesAndCpusetReachTheCgroupAndTheScheduler() throws {
        let mine = Self.allowedCPUs(try String(contentsOfFile: "/proc/self/status", encoding: .utf8))
        try Prerequisite.require(mine.count >= 2, "--cpuset-cpus needs two CPUs to tell a restriction apart (have \(mine))")
        let cpu = try XCTUnwrap(mine.last)
        let r = cli.run(["run", "-d", "--name", "pinned", "-c", "512", "--cpuset-cpus", String(cpu), "busybox", "sleep", "30"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let pid = try XCTUnwrap(try cli.state("pinned")["Pid"] as? Int)

        // The scheduler's view of the container's init.
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        XCTAssertEqual(Self.allowedCPUs(status), [cpu], "--cpuset-cpus \(cpu)")
        let inside = cli.run(["exec", "pinned", "grep", "Cpus_allowed_list", "/proc/self/status"])
        XCTAssertEqual(inside.stdout, "Cpus_allowed_list:\t\(cpu)\n", "an exec is pinned too")

        // The cgroup files of whichever layout the host has (found from /proc/PID/cgroup).
        let sharesFile = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: "cpu", v1: "cpu.shares", v2: "cpu.weight"))
        let shares = try String(contentsOfFile: sharesFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // v2 has no shares: runc maps 2…262144 linearly onto cpu.weight 1…10000.
        XCTAssertEqual(shares, sharesFile.hasSuffix("cpu.shares") ? "512" : String(1 + (512 - 2) * 9_999 / 262_142), sharesFile)
        let cpusetFile = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: "cpuset", v1: "cpuset.cpus", v2: "cpuset.cpus"))
        XCTAssertEqual(try String(contentsOfFile: cpusetFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), String(cpu))

        let limits = try XCTUnwrap(try cli.inspect("pinned")["HostConfig"] as? [String: Any])
        XCTAssertEqual(limits["CpuShares"] as? Int, 512)
        XCTAssertEqual(limits["CpusetCpus"] as? String, String(cpu))
        XCTAssertEqual(cli.run(["rm", "-f", "pinned"]).status, 0)

        let bad = cli.run(["run", "--rm", "-c", "1", "busybox", "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertEqual(bad.stderr, "berth: the CPU shares (1) must be between 2 and 262144\n")
        XCTAssertEqual(bad.stderr.filter { $0 == "\n" }.count, 1, "one line: \(bad.stderr)")
    }

    func testLabelsAreRecordedAndListed() throws {
        let r = cli.run(["run", "-d", "--name", "labelled", "-l", "app=web", "--label", "tier=front", "-l", "expr=a=b",
                         "--network", "none", "busybox", "sleep", "30"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = ["app": "web", "tier": "front", "expr": "a=b"]
        let inspected = try cli.inspect("labelled")
        XCTAssertEqual(dig(inspected, "Config", "Labels") as? [String: String], expected)
        let listed = try XCTUnwrap((try cli.json(["ps", "--json"]) as? [[String: Any]])?.first { $0["name"] as? String == "labelled" })
        XCTAssertEqual(listed["labels"] as? [String: String], expected)
        XCTAssertEqual(cli.run(["rm", "-f", "labelled"]).status, 0)

        // A service's labels go onto every replica, beside the service's own.
        let s = cli.run(["service", "create", "--replicas", "1", "-l", "team=a", "--network", "none", "tagged", "busybox", "sleep", "30"])
        XCTAssertEqual(s.status, 0, s.stderr)
        defer { cli.run(["service", "rm", "-t", "1", "tagged"]) }
        let replica = try cli.inspect("tagged-1")
        let labels = dig(replica, "Config", "Labels") as? [String: String] ?? [:]
        XCTAssertEqual(dig(replica, "Berth", "Service") as? String, "tagged")
        XCTAssertEqual(labels["team"], "a")
        XCTAssertEqual(labels["berth.service"], "tagged")
        XCTAssertEqual(labels["berth.replica"], "1")
    }

    func testUnlessStoppedRestartsWithBackoffUntilStopped() throws {
        XCTAssertEqual(cli.run(["run", "-d", "--name", "stubborn-fail", "--restart", "unless-stopped", "--network", "none",
                                "busybox", "sh", "-c", "echo run; exit 3"]).status, 0)
        // The count grows run after run (no fixed time: wait for it, generously).
        XCTAssertTrue(try cli.eventually(timeout: 60) { (try cli.inspect("stubborn-fail")["RestartCount"] as? Int ?? 0) >= 5 },
                      "restart count: \(String(describing: try? cli.inspect("stubborn-fail")["RestartCount"]))")
        // The backoff doubles from 100 ms, so six runs are at least 0.1+0.2+0.4+0.8+1.6 = 3.1 s apart
        // (the log's timestamps, taken as the supervisor reads each run's line). A lower bound only,
        // which load cannot break; 0.6 s of it is left for a late read of the first line.
        let log = cli.run(["logs", "-t", "stubborn-fail"]).stdout
        let times = log.split(separator: "\n").compactMap { line -> Date? in
            line.split(separator: " ").first.flatMap { Timestamp(rfc3339: $0)?.date }
        }
        XCTAssertGreaterThanOrEqual(times.count, 6, log)
        if times.count >= 6 {
            XCTAssertGreaterThanOrEqual(times[5].timeIntervalSince(times[0]), 2.5, "runs came without the doubling backoff:\n\(log)")
        }

        let shim = try XCTUnwrap(try cli.berthKeys("stubborn-fail")["ShimPid"] as? Int)
        XCTAssertEqual(cli.run(["stop", "stubborn-fail"]).status, 0)
        XCTAssertTrue(cli.eventually(timeout: 30) { kill(pid_t(shim), 0) != 0 }, "the supervisor ends after a user stop")
        let stopped = try cli.inspect("stubborn-fail")
        XCTAssertEqual((stopped["State"] as? [String: Any])?["Status"] as? String, "exited", "a stopped unless-stopped container stays stopped")
        let count = stopped["RestartCount"] as? Int
        let runs = cli.run(["logs", "stubborn-fail"]).stdout
        // Nothing restarts it afterwards: no supervisor is left to, and the record says so.
        XCTAssertEqual(try cli.inspect("stubborn-fail")["RestartCount"] as? Int, count)
        XCTAssertEqual(cli.run(["logs", "stubborn-fail"]).stdout, runs, "no run after the stop")
        XCTAssertEqual(cli.run(["rm", "stubborn-fail"]).status, 0)
    }

    func testSeccompFailsUnshareWithEPERM() throws {
        // Control: on this host, creating a user namespace needs no capability, so a refusal in the
        // container comes from its seccomp filter, not from the capabilities it lacks.
        let setpriv = try Prerequisite.requireTool("setpriv")
        let busybox = try Prerequisite.requireTool("busybox")
        let control = Subprocess.run(setpriv, ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all",
                                               busybox, "unshare", "-U", "echo", "allowed"])
        try Prerequisite.require(control.stdout == "allowed\n",
                                 "this host refuses user namespaces to unprivileged processes (\(control.stderr)), so EPERM would not prove seccomp")

        let r = cli.run(["run", "--rm", "--network", "none", "busybox", "sh", "-c",
                         "grep Seccomp: /proc/self/status; unshare -U echo escaped; echo status=$?"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Seccomp:\t2\nstatus=1\n")
        XCTAssertTrue(r.stderr.contains("Operation not permitted"), r.stderr)

        // An exec gets the same filter.
        XCTAssertEqual(cli.run(["run", "-d", "--name", "filtered", "--network", "none", "busybox", "sleep", "30"]).status, 0)
        let e = cli.run(["exec", "filtered", "unshare", "-U", "echo", "escaped"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertEqual(e.stdout, "")
        XCTAssertTrue(e.stderr.contains("Operation not permitted"), e.stderr)
        XCTAssertEqual(cli.run(["rm", "-f", "filtered"]).status, 0)
    }
}
