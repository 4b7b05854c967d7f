import BerthOS
import Foundation
import XCTest
import BerthTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The one limits validator reached from every front end, config.json as the copy `start` applies,
/// and `run`/`service create` sharing their flags — through the real `berth`.
final class LimitsAndOptionsTests: ContainerTestCase {
    override class var rootLabel: String { "limits" }

    static let memoryRule = "the memory limit (1.0MiB) is below the minimum of 6MiB"

    func testTheCLIGetsTheValidatorsMessage() throws {
        let run = cli.run(["run", "--memory", "1m", "busybox", "true"])
        XCTAssertEqual(run.status, 125)
        XCTAssertEqual(run.stderr, "berth: \(Self.memoryRule)\n")
        let create = cli.run(["create", "-m", "1m", "busybox", "true"])
        XCTAssertEqual(create.status, 125)
        XCTAssertEqual(create.stderr, "berth: \(Self.memoryRule)\n")
        let service = cli.run(["service", "create", "--replicas", "0", "-m", "1m", "tiny", "busybox"])
        XCTAssertEqual(service.status, 125)
        XCTAssertEqual(service.stderr, "berth: \(Self.memoryRule)\n")
        let shares = cli.run(["run", "--cpu-shares", "1", "busybox", "true"])
        XCTAssertEqual(shares.stderr, "berth: the CPU shares (1) must be between 2 and 262144\n")
        let cpuset = cli.run(["run", "--cpuset-cpus", "1-0", "busybox", "true"])
        XCTAssertEqual(cpuset.stderr, "berth: the cpuset '1-0' is not a CPU list such as 0-1 or 0,2\n")
        let swap = cli.run(["run", "--memory-swap", "64m", "busybox", "true"])
        XCTAssertEqual(swap.stderr, "berth: a memory+swap limit needs a memory limit too: it limits memory plus swap\n")
        let cpus = cli.run(["run", "--cpus", "0.001", "busybox", "true"])
        XCTAssertEqual(cpus.stderr, "berth: the number of CPUs (0.001) must be between 0.01 and 1024\n")
        XCTAssertEqual(try XCTUnwrap(try cli.json(["ps", "-a", "--json"]) as? [Any]).count, 0, "refused runs leave nothing")
        XCTAssertEqual(try XCTUnwrap(try cli.json(["service", "ls", "--json"]) as? [Any]).count, 0, "nor a service")
    }

    func testComposeGetsTheSameRulesMessageAtTheKeyPath() throws {
        let dir = Self.root.path + "-compose/tiny"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: Self.root.path + "-compose") }
        let file = dir + "/compose.yaml"
        try "services:\n  web:\n    image: busybox\n    mem_limit: 1m\n".write(toFile: file, atomically: true, encoding: .utf8)
        let up = cli.run(["up", "-d", "-f", file])
        XCTAssertEqual(up.status, 125)
        XCTAssertEqual(up.stderr, "berth: \(file): services.web.mem_limit: \(Self.memoryRule)\n")
    }

    /// config.json is the one copy: an edit of a stopped container's limit is what its cgroup gets,
    /// and what `inspect` shows; an edit that breaks a rule is refused at start with the rule's message.
    func testStartAppliesWhatConfigJSONSays() throws {
        let created = cli.run(["create", "--name", "edited", "-m", "48m", "busybox", "sleep", "30"])
        XCTAssertEqual(created.status, 0, created.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "edited"]) }
        let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let config = cli.root + "/containers/" + id + "/config.json"
        func setMemory(_ bytes: Int) throws {
            var spec = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any])
            var linux = try XCTUnwrap(spec["linux"] as? [String: Any])
            var resources = linux["resources"] as? [String: Any] ?? [:]
            resources["memory"] = ["limit": bytes]
            linux["resources"] = resources
            spec["linux"] = linux
            try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: config))
        }
        try setMemory(1 << 20)
        let refused = cli.run(["start", "edited"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(Self.memoryRule), refused.stderr)

        try setMemory(80 << 20)
        XCTAssertEqual(cli.run(["start", "edited"]).status, 0)
        let pid = try XCTUnwrap(try cli.state("edited")["Pid"] as? Int)
        let file = try XCTUnwrap(CgroupMount.controlFile(ofProcess: Int32(pid), controller: "memory",
                                                         v1: "memory.limit_in_bytes", v2: "memory.max"))
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                       String(80 << 20), "the cgroup has config.json's limit, not the -m 48m of create")
        let inspect = try cli.inspect("edited")
        XCTAssertEqual(dig(inspect, "HostConfig", "Memory") as? Int, 80 << 20)
        XCTAssertEqual(dig(inspect, "Config", "Cmd") as? [String], ["sleep", "30"])
        XCTAssertEqual(dig(inspect, "Config", "Hostname") as? String, "edited")
    }

    /// `run` and `service create` parse one declaration of the flags, so a replica gets exactly
    /// what a container gets.
    func testRunAndServiceCreateAcceptTheSameFlagsWithTheSameMeaning() throws {
        let flags = ["-m", "64m", "--memory-swap", "-1", "--cpus", "1.5", "-c", "512", "--pids-limit", "20",
                     "-l", "a=b=c", "-l", "bare", "-e", "X=1", "-w", "/tmp", "--network", "none"]
        let created = cli.run(["create", "--name", "single"] + flags + ["busybox", "sleep", "30"])
        XCTAssertEqual(created.status, 0, created.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "single"]) }
        let service = cli.run(["service", "create", "--replicas", "1"] + flags + ["--restart", "no", "twin", "busybox", "sleep", "30"])
        XCTAssertEqual(service.status, 0, service.stderr)
        addTeardownBlock { [cli] in cli.run(["service", "rm", "-t", "0", "twin"]) }

        let single = try cli.inspect("single")
        let replica = try cli.inspect("twin-1")
        let limitKeys = ["Memory", "MemorySwap", "NanoCpus", "CpuShares", "PidsLimit"]
        let limits = try XCTUnwrap(single["HostConfig"] as? [String: Any]).filter { limitKeys.contains($0.key) }
        XCTAssertEqual(limits["Memory"] as? Int, 64 << 20)
        XCTAssertEqual(limits["MemorySwap"] as? Int, -1)
        XCTAssertEqual(limits["NanoCpus"] as? Int, 1_500_000_000)
        XCTAssertEqual(limits["CpuShares"] as? Int, 512)
        XCTAssertEqual(limits["PidsLimit"] as? Int, 20)
        XCTAssertEqual(try XCTUnwrap(replica["HostConfig"] as? [String: Any]).filter { limitKeys.contains($0.key) } as NSDictionary,
                       limits as NSDictionary)
        let labels = try XCTUnwrap(dig(single, "Config", "Labels") as? [String: String])
        XCTAssertEqual(labels["a"], "b=c")
        XCTAssertEqual(labels["bare"], "")
        let replicaLabels = try XCTUnwrap(dig(replica, "Config", "Labels") as? [String: String])
        XCTAssertEqual(replicaLabels.filter { !$0.key.hasPrefix("berth.") }, labels)
        for (name, c) in [("single", single), ("twin-1", replica)] {
            XCTAssertEqual(dig(c, "Config", "WorkingDir") as? String, "/tmp", name)
            XCTAssertTrue((dig(c, "Config", "Env") as? [String])?.contains("X=1") == true, name)
            XCTAssertEqual(dig(c, "HostConfig", "NetworkMode") as? String, "none", name)
        }
        let unlimited = cli.run(["create", "--name", "unlimited", "--pids-limit", "-1", "--network", "none", "busybox", "true"])
        XCTAssertEqual(unlimited.status, 0, unlimited.stderr)
        addTeardownBlock { [cli] in cli.run(["rm", "-f", "unlimited"]) }
        let unlimitedInfo = try cli.inspect("unlimited")
        XCTAssertTrue(dig(unlimitedInfo, "HostConfig", "PidsLimit") is NSNull, "--pids-limit -1 is docker's unlimited (null)")
        let emptyKey = cli.run(["service", "create", "--replicas", "0", "-l", "=x", "nokey", "busybox"])
        XCTAssertEqual(emptyKey.status, 125)
        XCTAssertEqual(emptyKey.stderr, "berth: invalid label '=x': expected KEY=VALUE with a non-empty KEY\n")
        XCTAssertEqual(cli.run(["run", "-l", "=x", "busybox", "true"]).stderr, emptyKey.stderr)
    }

    /// `service update` takes the same flags; only those given change, and the replicas are recreated.
    func testServiceUpdateChangesOnlyTheFlagsGiven() throws {
        let created = cli.run(["service", "create", "--replicas", "1", "--stop-timeout", "0", "--network", "none", "-m", "64m", "-l", "keep=1",
                               "--restart", "no", "upd", "busybox", "sleep", "30"])
        XCTAssertEqual(created.status, 0, created.stderr)
        addTeardownBlock { [cli] in cli.run(["service", "rm", "-t", "0", "upd"]) }
        let refused = cli.run(["service", "update", "-m", "1m", "upd"])
        XCTAssertEqual(refused.status, 125)
        XCTAssertEqual(refused.stderr, "berth: \(Self.memoryRule)\n")
        let before = try cli.inspect("upd-1")["Id"] as? String
        let updated = cli.run(["service", "update", "--memory-swap", "-1", "--cpus", "1.5", "-t", "0", "upd"])
        XCTAssertEqual(updated.status, 125, "-t is not a flag of update")
        let ok = cli.run(["service", "update", "--memory-swap", "-1", "--cpus", "1.5", "--stop-timeout", "0", "upd"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let replica = try cli.inspect("upd-1")
        XCTAssertNotEqual(replica["Id"] as? String, before, "a changed template recreates the replica")
        let limits = try XCTUnwrap(replica["HostConfig"] as? [String: Any])
        XCTAssertEqual(limits["Memory"] as? Int, 64 << 20, "not given: kept")
        XCTAssertEqual(limits["MemorySwap"] as? Int, -1)
        XCTAssertEqual(limits["NanoCpus"] as? Int, 1_500_000_000)
        XCTAssertEqual((dig(replica, "Config", "Labels") as? [String: String])?["keep"], "1")
        XCTAssertEqual(dig(replica, "HostConfig", "RestartPolicy", "Name") as? String, "no")
    }
}
