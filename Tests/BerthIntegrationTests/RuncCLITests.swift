import BerthOS
import BerthRuntime
import BerthTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `berth-runc` end to end, as containerd and podman drive it: bundles made here from the host's
/// busybox, a state root and cgroup parent of the test's own (`berth-test-runc-PID`), the
/// container's stdout in a file (the init keeps the caller's stdio, so a pipe would stay open).
/// After each test nothing may be left: state directories, cgroups, processes naming the root.
final class RuncCLITests: XCTestCase {
    var scope: TestRootScope!
    var stateRoot: String { scope.path + "/state" }
    var hostAtStart: HostState?

    /// `berth-runc` beside the test bundle, as `berth` is.
    static var binary: String {
        let berth = BerthCLI.binary
        return String(berth[..<berth.lastIndex(of: "/")!]) + "/berth-runc"
    }

    override func setUpWithError() throws {
        try Prerequisite.requireRoot()
        try Prerequisite.require(access("/bin/busybox", X_OK) == 0, "busybox-static is not installed")
        scope = TestRootScope(label: "runc")
        try? FileManager.default.removeItem(atPath: scope.path)
        try FileManager.default.createDirectory(atPath: scope.path, withIntermediateDirectories: true)
        hostAtStart = HostState.take()
    }

    override func tearDown() {
        if let scope {
            for id in FileIO.entryNames(stateRoot) where KernelFile.isDirectory(stateRoot + "/" + id) {
                runc(["delete", "--force", id])
            }
            // Dot directories are berth-runc's caches (compiled seccomp filters), not containers.
            var left = FileIO.entryNames(stateRoot).filter { !$0.hasPrefix(".") && KernelFile.isDirectory(stateRoot + "/" + $0) }
                .map { "state directory left: \($0)" }
            for dir in scope.cgroupDirectories where access(dir, F_OK) == 0 { left.append("cgroup left: \(dir)") }
            for pid in HostLeaks.processes(mentioning: scope.path) { left.append("process \(pid) still runs: \(HostLeaks.commandLine(pid))") }
            XCTAssertEqual(left, [], "berth-runc left things behind")
            try? FileManager.default.removeItem(atPath: scope.path)
            if let start = hostAtStart {
                XCTAssertEqual(scope.leftovers(since: start, containerIDs: []), [])
            }
        }
        super.tearDown()
    }

    // MARK: - helpers

    @discardableResult
    func runc(_ args: [String], timeout: Double = 60) -> Subprocess.Result {
        Subprocess.run(Self.binary, ["--root", stateRoot] + args, timeout: timeout)
    }

    /// Runs berth-runc with its stdout and stderr in `output` (a file), as a caller with its own
    /// pipes would: the container's init inherits them.
    @discardableResult
    func runcToFile(_ args: [String], output: String) -> Int32 {
        let quoted = ([Self.binary, "--root", stateRoot] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return Subprocess.run("/bin/sh", ["-c", quoted.joined(separator: " ") + " >>'\(output)' 2>&1 </dev/null"]).status
    }

    /// A bundle with a busybox root and config.json from `berth-runc spec`, edited by `edit`.
    func bundle(_ name: String, args: [String], edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let dir = scope.path + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try BusyboxRootfs.build(at: dir + "/rootfs")
        XCTAssertEqual(runc(["spec", "--bundle", dir]).status, 0)
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any])
        var process = config["process"] as! [String: Any]
        process["terminal"] = false
        process["args"] = args
        config["process"] = process
        var linux = config["linux"] as! [String: Any]
        linux["cgroupsPath"] = scope.cgroupParent + "/" + name
        config["linux"] = linux
        edit(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: dir + "/config.json"))
        return dir
    }

    func state(_ id: String) throws -> [String: Any] {
        let r = runc(["state", id])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func eventually(timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Debian's runc and crun, where installed, run on the same bundle (as container `name` +
    /// the runtime's name) must print the lines berth-runc printed; says so and returns when
    /// neither is installed.
    func assertRuncPrints(_ expected: String, name: String, bundle: String, field: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        assertOtherRuntimesPrint(expected, name: name, bundle: bundle, field: field, sorted: true, file: file, line: line)
    }

    /// The comparison itself; `sorted`: line order aside (a shell's stdout and stderr reach the one
    /// file in either order).
    func assertOtherRuntimesPrint(_ expected: String, name: String, bundle: String, field: String, sorted: Bool,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let others = ComparisonRuntime.installed()
        if others.isEmpty { return print("neither runc nor crun is installed: no comparison") }
        for other in others {
            let out = scope.path + "/\(name).\(other.name).out"
            let theirBundle: String
            do { theirBundle = try other.bundle(for: bundle) } catch {
                XCTFail("\(other.name): \(error)", file: file, line: line)
                continue
            }
            let status = other.run(root: scope.path + "/\(other.name)-state", ["run", "--bundle", theirBundle, name + other.name], output: out)
            XCTAssertEqual(status, 0, "\(other.name): \(read(out))", file: file, line: line)
            let theirs = read(out).split(separator: "\n", omittingEmptySubsequences: false)
            let ours = expected.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(sorted ? theirs.sorted() : theirs, sorted ? ours.sorted() : ours,
                           "berth-runc and \(other.name) differ on the same \(field)", file: file, line: line)
            // runc and crun leave the parent directories of a relative cgroupsPath: they are this test's.
            for d in scope.cgroupDirectories { rmdir(d) }
        }
    }

    // MARK: - global flags and documents

    func testVersionSpecAndFeatures() throws {
        let v = runc(["--version"])
        XCTAssertEqual(v.status, 0)
        let lines = v.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, v.stdout)
        XCTAssertTrue(lines[0].hasPrefix("berth-runc version "), v.stdout)
        XCTAssertTrue(lines[1].hasPrefix("commit: "), v.stdout)
        XCTAssertTrue(lines[2].hasPrefix("spec: 1."), v.stdout)

        let dir = scope.path + "/spec"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        XCTAssertEqual(runc(["spec", "--bundle", dir]).status, 0)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any])
        XCTAssertEqual((config["root"] as? [String: Any])?["path"] as? String, "rootfs")
        XCTAssertEqual((config["process"] as? [String: Any])?["args"] as? [String], ["sh"])
        let again = runc(["spec", "--bundle", dir])
        XCTAssertNotEqual(again.status, 0, "spec must not overwrite a config.json")
        XCTAssertTrue(again.stderr.contains("exists"), again.stderr)

        let f = runc(["features"])
        XCTAssertEqual(f.status, 0, f.stderr)
        let features = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(f.stdout.utf8)) as? [String: Any])
        let linux = try XCTUnwrap(features["linux"] as? [String: Any])
        XCTAssertEqual(Set(linux["namespaces"] as? [String] ?? []), ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"])
        let seccomp = try XCTUnwrap(linux["seccomp"] as? [String: Any])
        XCTAssertEqual(seccomp["enabled"] as? Bool, true)
        XCTAssertEqual(Set(seccomp["operators"] as? [String] ?? []), ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                                                   "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"])
        XCTAssertTrue((seccomp["actions"] as? [String] ?? []).contains("SCMP_ACT_ERRNO"), "\(seccomp)")
        XCTAssertTrue((seccomp["archs"] as? [String] ?? []).contains("SCMP_ARCH_X86_64"), "\(seccomp)")
        XCTAssertFalse((seccomp["archs"] as? [String] ?? []).isEmpty)
        XCTAssertTrue((features["mountOptions"] as? [String] ?? []).contains("rbind"))

        let systemd = runc(["--systemd-cgroup", "list"])
        XCTAssertNotEqual(systemd.status, 0)
        XCTAssertTrue(systemd.stderr.contains("--systemd-cgroup"), systemd.stderr)
        XCTAssertEqual(systemd.stderr.split(separator: "\n").count, 1, systemd.stderr)
    }

    /// --log --log-format json: the error line containerd's go-runc reads back.
    func testErrorsGoToTheJSONLog() throws {
        let log = scope.path + "/runc.log"
        let r = Subprocess.run(Self.binary, ["--root", stateRoot, "--log", log, "--log-format", "json", "state", "nothere"])
        XCTAssertEqual(r.status, 1)
        let line = try XCTUnwrap(read(log).split(separator: "\n").last)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(doc["level"] as? String, "error")
        XCTAssertTrue((doc["msg"] as? String ?? "").contains("does not exist"), "\(doc)")
    }

    // MARK: - lifecycle

    /// create leaves the init waiting (created, in its cgroup, not yet the command); start runs it.
    func testCreateWaitsForStartThenRuns() throws {
        let b = try bundle("c1", args: ["sh", "-c", "echo started as $$ on $(hostname)"]) { config in
            var linux = config["linux"] as! [String: Any]
            linux["resources"] = ["memory": ["limit": 64 << 20], "pids": ["limit": 32]]
            config["linux"] = linux
        }
        let out = scope.path + "/c1.out"
        let pidFile = scope.path + "/c1.pid"
        XCTAssertEqual(runcToFile(["create", "--bundle", b, "--pid-file", pidFile, "c1"], output: out), 0, read(out))
        let s = try state("c1")
        XCTAssertEqual(s["status"] as? String, "created")
        let pid = try XCTUnwrap(s["pid"] as? Int)
        XCTAssertEqual(read(pidFile), String(pid))
        XCTAssertEqual(s["bundle"] as? String, b)
        XCTAssertEqual(s["ociVersion"] as? String, "1.2.0")
        // Not yet the command; already in its cgroup, with its limits.
        XCTAssertFalse(read("/proc/\(pid)/cmdline").hasPrefix("sh"), "the command ran before start")
        XCTAssertEqual(read(out), "", "the command wrote before start")
        let cgroup = read("/proc/\(pid)/cgroup")
        XCTAssertTrue(cgroup.contains(scope.cgroupParent + "/c1"), cgroup)
        let limits = scope.cgroupDirectories.map { $0 + "/c1/memory.limit_in_bytes" } + scope.cgroupDirectories.map { $0 + "/c1/memory.max" }
        XCTAssertTrue(limits.contains { read($0).trimmingCharacters(in: .whitespacesAndNewlines) == String(64 << 20) }, "memory limit not in \(limits)")
        // The init's parent is not a Berth supervisor.
        let ppidLine = read("/proc/\(pid)/status").split(separator: "\n").first { $0.hasPrefix("PPid:") } ?? ""
        let ppid = Int32(ppidLine.split(separator: "\t").last ?? "") ?? 0
        XCTAssertFalse(HostLeaks.commandLine(ppid).contains("berth-shim"), "a supervisor sits above the init")

        XCTAssertEqual(runc(["start", "c1"]).status, 0)
        XCTAssertTrue(try eventually { try state("c1")["status"] as? String == "stopped" })
        XCTAssertEqual(read(out), "started as 1 on berth\n")
        let again = runc(["start", "c1"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("stopped"), again.stderr)
        XCTAssertEqual(runc(["delete", "c1"]).status, 0)
        XCTAssertFalse(FileIO.exists(stateRoot + "/c1"))
        let gone = runc(["state", "c1"])
        XCTAssertTrue(gone.stderr.contains("does not exist"), gone.stderr)
    }

    func testRunInTheForegroundExitsWithTheStatusAndRemoves() throws {
        let b = try bundle("fg", args: ["sh", "-c", "echo out; exit 7"])
        let out = scope.path + "/fg.out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, "fg"], output: out), 7)
        XCTAssertEqual(read(out), "out\n")
        XCTAssertFalse(FileIO.exists(stateRoot + "/fg"), "run did not remove the container")

        let missing = try bundle("nf", args: ["no-such-command"])
        let r = runc(["run", "--bundle", missing, "nf"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no-such-command"), r.stderr)
        XCTAssertFalse(FileIO.exists(stateRoot + "/nf"))
    }

    func testKillListPsPauseResumeDelete() throws {
        let b = try bundle("k1", args: ["sleep", "1000"])
        let out = scope.path + "/k1.out"
        XCTAssertEqual(runcToFile(["run", "--detach", "--bundle", b, "k1"], output: out), 0, read(out))
        XCTAssertEqual(try state("k1")["status"] as? String, "running")
        let pid = try XCTUnwrap(try state("k1")["pid"] as? Int)

        XCTAssertEqual(runc(["list", "-q"]).stdout, "k1\n")
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(runc(["list", "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.first?["id"] as? String, "k1")
        XCTAssertEqual(list.first?["status"] as? String, "running")
        XCTAssertEqual(runc(["ps", "--format", "json", "k1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[\(pid)]")

        XCTAssertEqual(runc(["pause", "k1"]).status, 0)
        XCTAssertEqual(try state("k1")["status"] as? String, "paused")
        XCTAssertTrue(read("/proc/\(pid)/status").contains("State:\tD") || read("/proc/\(pid)/status").contains("State:\tS"))
        XCTAssertEqual(runc(["resume", "k1"]).status, 0)
        XCTAssertEqual(try state("k1")["status"] as? String, "running")

        let refused = runc(["delete", "k1"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("not stopped"), refused.stderr)
        XCTAssertEqual(runc(["kill", "k1", "KILL"]).status, 0)
        XCTAssertTrue(try eventually { try state("k1")["status"] as? String == "stopped" })
        XCTAssertNotEqual(runc(["kill", "k1"]).status, 0, "kill of a stopped container")
        XCTAssertEqual(runc(["delete", "k1"]).status, 0)

        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", b, "k2"], output: out), 0, read(out))
        XCTAssertEqual(runc(["delete", "--force", "k2"]).status, 0)
        XCTAssertEqual(runc(["list", "-q"]).stdout, "")
    }

    /// update: flags and --resources (stdin, as containerd sends it) merged over what is in force.
    func testUpdateWritesTheLimitFiles() throws {
        let b = try bundle("u1", args: ["sleep", "1000"]) { config in
            var linux = config["linux"] as! [String: Any]
            linux["resources"] = ["memory": ["limit": 64 << 20]]
            config["linux"] = linux
        }
        let out = scope.path + "/u1.out"
        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", b, "u1"], output: out), 0, read(out))
        func value(_ names: [String]) -> String? {
            for d in scope.cgroupDirectories { for n in names where FileIO.exists(d + "/u1/" + n) { return read(d + "/u1/" + n).trimmingCharacters(in: .whitespacesAndNewlines) } }
            return nil
        }
        XCTAssertEqual(runc(["update", "--memory", "32m", "--pids-limit", "10", "u1"]).status, 0)
        XCTAssertEqual(value(["memory.limit_in_bytes", "memory.max"]), String(32 << 20))
        XCTAssertEqual(value(["pids.max"]), "10")
        let r = Subprocess.run(Self.binary, ["--root", stateRoot, "update", "--resources", "-", "u1"], stdin: #"{"pids":{"limit":20}}"#)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(value(["pids.max"]), "20")
        XCTAssertEqual(value(["memory.limit_in_bytes", "memory.max"]), String(32 << 20), "update lost a limit it was not given")
        let bad = runc(["update", "--memory", "lots", "u1"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertTrue(bad.stderr.contains("--memory"), bad.stderr)
        XCTAssertEqual(runc(["delete", "--force", "u1"]).status, 0)
    }

    /// The bundle's `cpu.period/quota/mems`, `memory.reservation` and `blockIO` (weight and
    /// throttles) are in the cgroup files, through the same writers as `berth run`; `update`
    /// changes them; `leafWeight` is reported as not applied.
    func testResourcesBeyondTheLimitsAreApplied() throws {
        let disks = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []).sorted().filter { !$0.hasPrefix("loop") }
        let disk = disks.first { access("/sys/block/\($0)/dev", R_OK) == 0 }
        try Prerequisite.require(disk != nil, "no disk in /sys/block")
        let numbers = read("/sys/block/\(disk!)/dev").trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").map { Int($0)! }
        let b = try bundle("r1", args: ["sleep", "1000"]) { config in
            var linux = config["linux"] as! [String: Any]
            linux["resources"] = [
                "memory": ["limit": 64 << 20, "reservation": 32 << 20],
                "cpu": ["period": 50_000, "quota": 25_000, "mems": "0"],
                "blockIO": ["weight": 300, "leafWeight": 300,
                            "throttleReadBpsDevice": [["major": numbers[0], "minor": numbers[1], "rate": 1_048_576]],
                            "throttleWriteIOPSDevice": [["major": numbers[0], "minor": numbers[1], "rate": 100]]],
            ]
            config["linux"] = linux
        }
        let out = scope.path + "/r1.out", log = scope.path + "/r1.log"
        XCTAssertEqual(runcToFile(["--log", log, "run", "-d", "--bundle", b, "r1"], output: out), 0, read(out))
        XCTAssertTrue(read(log).contains("linux.resources.blockIO.leafWeight in config.json is not applied"), read(log))
        XCTAssertFalse(read(log).contains("linux.resources.blockIO in config.json"), "blockIO itself is applied: \(read(log))")
        let pid = Int32(try XCTUnwrap(try state("r1")["pid"] as? Int))
        func value(_ controller: String, _ v1: String, _ v2: String) -> String? {
            CgroupMount.controlFile(ofProcess: pid, controller: controller, v1: v1, v2: v2).flatMap {
                FileIO.exists($0) ? read($0).trimmingCharacters(in: .whitespacesAndNewlines) : nil
            }
        }
        let device = "\(numbers[0]):\(numbers[1])"
        if FileIO.exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") {
            XCTAssertEqual(value("cpu", "cpu.cfs_period_us", "-"), "50000")
            XCTAssertEqual(value("cpu", "cpu.cfs_quota_us", "-"), "25000")
            XCTAssertEqual(value("memory", "memory.soft_limit_in_bytes", "-"), String(32 << 20))
            XCTAssertEqual(value("blkio", "blkio.throttle.read_bps_device", "-"), "\(device) 1048576")
            XCTAssertEqual(value("blkio", "blkio.throttle.write_iops_device", "-"), "\(device) 100")
            if let w = value("blkio", "blkio.weight", "-") ?? value("blkio", "blkio.bfq.weight", "-") {
                XCTAssertTrue(w == "300" || w.hasPrefix("default 300"), w)
            } else {
                XCTAssertTrue(read(log).contains("--blkio-weight not applied"), read(log))
            }
        } else {
            XCTAssertEqual(value("cpu", "-", "cpu.max"), "25000 50000")
            XCTAssertEqual(value("memory", "-", "memory.low"), String(32 << 20))
            XCTAssertTrue(value("io", "-", "io.max")?.contains("\(device) rbps=1048576") == true)
        }
        XCTAssertEqual(value("cpuset", "cpuset.mems", "cpuset.mems"), "0")

        let r = runc(["update", "--cpu-period", "100000", "--memory-reservation", "48m", "r1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        if FileIO.exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") {
            XCTAssertEqual(value("cpu", "cpu.cfs_period_us", "-"), "100000")
            XCTAssertEqual(value("cpu", "cpu.cfs_quota_us", "-"), "25000", "the quota in force is kept")
            XCTAssertEqual(value("memory", "memory.soft_limit_in_bytes", "-"), String(48 << 20))
        } else {
            XCTAssertEqual(value("cpu", "-", "cpu.max"), "25000 100000")
            XCTAssertEqual(value("memory", "-", "memory.low"), String(48 << 20))
        }
        let bad = runc(["update", "--memory-reservation", "128m", "r1"])
        XCTAssertEqual(bad.status, 125, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("Minimum memory limit should be larger than memory reservation limit"), bad.stderr)
        XCTAssertEqual(runc(["delete", "--force", "r1"]).status, 0)
    }

    /// Every hook at its point, with the state on stdin: prestart and createRuntime in the runtime's
    /// namespaces, then createContainer in the container's (its mount namespace, before pivot_root:
    /// the host's path), in that order, during create; startContainer after start, before the
    /// command, by a path inside the container's root; poststart after start, poststop at delete.
    /// A failing or slow hook undoes the create.
    func testHooksRunWithTheStateOnStdin() throws {
        let dir = scope.path
        func hook(_ name: String) -> [String: Any] {
            ["path": "/bin/sh", "args": ["sh", "-c", "cat > \(dir)/\(name).json; echo \(name) >> \(dir)/order; readlink /proc/self/ns/mnt > \(dir)/\(name).mnt"],
             "timeout": 10]
        }
        let b = try bundle("h1", args: ["sleep", "1000"]) { config in
            // The second createRuntime hook asks berth-runc for the state meanwhile.
            let during = ["path": "/bin/sh", "args": ["sh", "-c", "'\(Self.binary)' --root '\(self.stateRoot)' state h1 > \(dir)/during.json"]]
            config["hooks"] = ["prestart": [hook("prestart")], "createRuntime": [hook("createRuntime"), during],
                               "createContainer": [hook("createContainer")],
                               "startContainer": [["path": "/bin/sh", "args": ["sh", "-c", "echo $HOOK > /hook.env; cat > /started.json"],
                                                   "env": ["HOOK=1"]]],
                               "poststart": [hook("poststart")], "poststop": [hook("poststop")]]
            config["root"] = ["path": "rootfs", "readonly": false] // the startContainer hook writes there
        }
        let out = scope.path + "/h1.out"
        XCTAssertEqual(runcToFile(["create", "--bundle", b, "h1"], output: out), 0, read(out))
        let pid = try XCTUnwrap(try state("h1")["pid"] as? Int)
        func doc(_ path: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(read(path).utf8)) as? [String: Any], path)
        }
        for name in ["prestart", "createRuntime", "createContainer"] {
            let d = try doc(dir + "/\(name).json")
            XCTAssertEqual(d["status"] as? String, "creating", name)
            XCTAssertEqual(d["pid"] as? Int, pid, name)
            XCTAssertEqual(d["id"] as? String, "h1", name)
            XCTAssertEqual(d["bundle"] as? String, b, name)
        }
        XCTAssertEqual(read(dir + "/order"), "prestart\ncreateRuntime\ncreateContainer\n", "the spec's order")
        XCTAssertEqual(try doc(dir + "/during.json")["status"] as? String, "creating", "state while the hooks run")
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
        let container = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt")
        XCTAssertNotEqual(own, container)
        XCTAssertEqual(read(dir + "/createRuntime.mnt").trimmingCharacters(in: .whitespacesAndNewlines), own, "createRuntime: the runtime's namespace")
        XCTAssertEqual(read(dir + "/createContainer.mnt").trimmingCharacters(in: .whitespacesAndNewlines), container,
                       "createContainer: the container's namespace")
        XCTAssertFalse(FileIO.exists(b + "/rootfs/started.json"), "startContainer ran before start")
        XCTAssertFalse(FileIO.exists(dir + "/poststart.json"), "poststart ran before start")
        XCTAssertEqual(runc(["start", "h1"]).status, 0)
        XCTAssertTrue(eventually { FileIO.exists(b + "/rootfs/started.json") && !read(b + "/rootfs/started.json").isEmpty },
                      "startContainer ran inside the container's root")
        XCTAssertEqual(try doc(b + "/rootfs/started.json")["pid"] as? Int, pid)
        XCTAssertEqual(read(b + "/rootfs/hook.env"), "1\n", "the hook's own environment")
        XCTAssertEqual(try doc(dir + "/poststart.json")["status"] as? String, "running")
        XCTAssertEqual(runc(["delete", "--force", "h1"]).status, 0)
        XCTAssertEqual(try doc(dir + "/poststop.json")["status"] as? String, "stopped")

        for (i, (kind, code)) in [("prestart", 3), ("createContainer", 4)].enumerated() {
            let id = "h2\(i)"
            let failing = try bundle(id, args: ["true"]) { config in
                config["hooks"] = [kind: [["path": "/bin/sh", "args": ["sh", "-c", "exit \(code)"]]]]
            }
            let r = runc(["create", "--bundle", failing, id])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("hooks.\(kind)[0]") && r.stderr.contains("status \(code)"), r.stderr)
            XCTAssertFalse(FileIO.exists(stateRoot + "/" + id), "a failed \(kind) hook left the container")
        }

        // A state far larger than a pipe holds, to a hook that never reads it: the timeout still holds.
        let slow = try bundle("h3", args: ["true"]) { config in
            config["hooks"] = ["createRuntime": [["path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1]]]
            config["annotations"] = ["big": String(repeating: "x", count: 300_000)]
        }
        let t = runc(["create", "--bundle", slow, "h3"])
        XCTAssertTrue(t.stderr.contains("timed out"), t.stderr)
        XCTAssertFalse(FileIO.exists(stateRoot + "/h3"))

        let zero = try bundle("h4", args: ["true"]) { config in
            config["hooks"] = ["createContainer": [["path": "/bin/true", "timeout": 0]]]
        }
        let z = runc(["create", "--bundle", zero, "h4"])
        XCTAssertEqual(z.status, 125)
        XCTAssertTrue(z.stderr.contains("hooks.createContainer[0].timeout"), z.stderr)
        XCTAssertFalse(FileIO.exists(stateRoot + "/h4"))

        // A read-only root is made read-only after the hooks (CDI's write into it), and the
        // descriptors passed on with --preserve-fds reach the command only, not a hook.
        let ro = try bundle("h6", args: ["true"]) { config in
            config["hooks"] = ["createContainer": [["path": "/bin/sh", "args": ["sh", "-c", "touch \(dir)/h6/rootfs/by-hook"]]],
                               "createRuntime": [["path": "/bin/sh", "args": ["sh", "-c", "if [ -e /proc/$$/fd/3 ]; then echo leaked; else echo clean; fi > \(dir)/h6.fds"]]]]
            config["root"] = ["path": "rootfs", "readonly": true]
        }
        // Output to a file: the waiting init keeps the caller's stdio (a pipe would not end).
        let roRun = Subprocess.run("/bin/sh", ["-c", "'\(Self.binary)' --root '\(stateRoot)' create --preserve-fds 1 --bundle '\(ro)' h6 3>/dev/null </dev/null >'\(dir)/h6.out' 2>&1"])
        XCTAssertEqual(roRun.status, 0, read(dir + "/h6.out"))
        XCTAssertTrue(FileIO.exists(ro + "/rootfs/by-hook"), "the createContainer hook wrote into the read-only root before it was made so")
        XCTAssertEqual(read(dir + "/h6.fds"), "clean\n", "a preserved descriptor reached a hook")
        XCTAssertEqual(runc(["delete", "--force", "h6"]).status, 0)

        // A startContainer hook that fails stops the container before its command runs.
        let late = try bundle("h5", args: ["sh", "-c", "echo ran > /ran"]) { config in
            config["hooks"] = ["startContainer": [["path": "/bin/sh", "args": ["sh", "-c", "exit 5"]]]]
            config["root"] = ["path": "rootfs", "readonly": false]
        }
        let lateOut = scope.path + "/h5.out"
        XCTAssertEqual(runcToFile(["create", "--bundle", late, "h5"], output: lateOut), 0, read(lateOut))
        _ = runc(["start", "h5"])
        XCTAssertTrue(try eventually { try state("h5")["status"] as? String == "stopped" })
        XCTAssertFalse(FileIO.exists(late + "/rootfs/ran"), "the command ran after a failed startContainer hook")
        XCTAssertEqual(runc(["delete", "--force", "h5"]).status, 0)
    }

    /// What the --preserve-fds tests run: it writes to 3 and 4, names what 5 is, lists its descriptors.
    static let preservedFDScript = "echo three >&3; echo four >&4; readlink /proc/$$/fd/5; exec ls -1 /proc/self/fd"

    /// berth-runc `args` run with 3 and 4 open on the files TAG.3 and TAG.4 (5 closed); its output.
    func runWithDescriptors(_ args: [String], tag: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let quoted = ([Self.binary, "--root", stateRoot] + args)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let r = Subprocess.run("/bin/sh", ["-c", quoted + " 3>'\(scope.path)/\(tag).3' 4>'\(scope.path)/\(tag).4' </dev/null 2>&1"])
        XCTAssertEqual(r.status, 0, r.stdout, file: file, line: line)
        return r.stdout
    }

    /// The script's output with `--preserve-fds 3`: 3 and 4 written, the gap at 5 /dev/null, and
    /// stdio, the preserved and ls's own directory open — nothing of berth-runc's or the shim's.
    func assertThreePreserved(_ out: String, tag: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(read(scope.path + "/\(tag).3"), "three\n", file: file, line: line)
        XCTAssertEqual(read(scope.path + "/\(tag).4"), "four\n", file: file, line: line)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "/dev/null", "the gap at 5: \(out)", file: file, line: line)
        XCTAssertEqual(lines.dropFirst().compactMap { Int($0) }.sorted(), [0, 1, 2, 3, 4, 5, 6],
                       "stdio, the preserved and ls's own directory, nothing else: \(out)", file: file, line: line)
    }

    /// `--preserve-fds N`: the caller's descriptors 3 … 3+N-1 reach the command at the same numbers
    /// (podman's socket activation), a gap among them as /dev/null, and nothing of berth-runc's or
    /// the shim's besides. Without the flag only stdio arrive.
    func testPreservedDescriptorsReachTheCommand() throws {
        let b = try bundle("pf", args: ["sh", "-c", Self.preservedFDScript])
        assertThreePreserved(runWithDescriptors(["run", "--preserve-fds", "3", "--bundle", b, "pf1"], tag: "pf1"), tag: "pf1")
        let plain = runWithDescriptors(["run", "--bundle", b, "pf2"], tag: "pf2")
        XCTAssertEqual(read(scope.path + "/pf2.3"), "", "fd 3 is not passed without --preserve-fds")
        XCTAssertEqual(plain.split(separator: "\n").dropFirst().compactMap { Int($0) }.sorted(), [0, 1, 2, 3], plain)

        for bad in ["-1", "x", "4097"] {
            let r = runc(["create", "--preserve-fds", bad, "--bundle", b, "pf3"])
            XCTAssertEqual(r.status, 125, bad)
            XCTAssertTrue(r.stderr.contains("--preserve-fds"), r.stderr)
        }
        XCTAssertFalse(FileIO.exists(stateRoot + "/pf3"))
    }

    /// SCMP_ACT_NOTIFY: the filter's listener descriptor reaches `listenerPath` with the spec's
    /// container process state, and a notified call waits for the listener's answer: here a python
    /// listener answers `mkdir` with ENOTBLK, which the container's mkdir then reports. A listener
    /// path nobody listens on fails the create; NOTIFY without a listener path, as the default
    /// action, or on a call the runtime itself makes after loading the filter, is refused.
    func testSeccompNotifyReachesTheListener() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            try Prerequisite.unmet("\(python) is missing (apt-get install python3): it plays the seccomp agent")
        }
        let dir = scope.path
        let socket = dir + "/agent.sock", out = dir + "/agent.json"
        let agent = """
            import socket, sys, json, struct, fcntl, os
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
            open(sys.argv[2] + '.ready', 'w').close()
            c, _ = s.accept()
            data, fds, _, _ = socket.recv_fds(c, 65536, 1)
            while True:
                more = c.recv(65536)
                if not more: break
                data += more
            json.dump(json.loads(data), open(sys.argv[2], 'w'))
            buf = bytearray(80)
            fcntl.ioctl(fds[0], 0xc0502100, buf)          # SECCOMP_IOCTL_NOTIF_RECV
            nid, pid, flags, nr = struct.unpack_from('=QIIi', buf, 0)
            fcntl.ioctl(fds[0], 0xc0182101, bytearray(struct.pack('=QqiI', nid, 0, -15, 0)))  # SEND: ENOTBLK
            open(sys.argv[2] + '.nr', 'w').write(str(nr))
            """
        let child = try TestChild.spawn([python, "-c", agent, socket, out])
        defer { child.kill() }
        XCTAssertTrue(eventually { FileIO.exists(out + ".ready") }, "the agent did not start")
        func profile(_ socket: String?, action: String = "SCMP_ACT_NOTIFY", names: [String] = ["mkdir", "mkdirat"],
                     defaultAction: String = "SCMP_ACT_ALLOW") -> (inout [String: Any]) -> Void {
            { config in
                var linux = config["linux"] as! [String: Any]
                var seccomp: [String: Any] = ["defaultAction": defaultAction, "architectures": ["SCMP_ARCH_X86_64"],
                                              "syscalls": [["names": names, "action": action]], "listenerMetadata": "berth test"]
                if let socket { seccomp["listenerPath"] = socket }
                linux["seccomp"] = seccomp
                config["linux"] = linux
            }
        }
        let b = try bundle("sn1", args: ["sh", "-c", "mkdir /made; echo rc=$?"], edit: profile(socket))
        let r = Subprocess.run("/bin/sh", ["-c", "'\(Self.binary)' --root '\(stateRoot)' run --bundle '\(b)' sn1 </dev/null 2>&1"], timeout: 60)
        XCTAssertTrue(r.stdout.contains("rc=1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Block device required"), "the listener's answer: \(r.stdout)")
        let state = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(read(out).utf8)) as? [String: Any])
        XCTAssertEqual(state["fds"] as? [String], ["seccompFd"])
        XCTAssertEqual(state["metadata"] as? String, "berth test")
        XCTAssertNotNil(state["ociVersion"] as? String)
        let inner = try XCTUnwrap(state["state"] as? [String: Any])
        XCTAssertEqual(inner["id"] as? String, "sn1")
        XCTAssertEqual(inner["bundle"] as? String, b)
        XCTAssertEqual(inner["pid"] as? Int, state["pid"] as? Int)
        XCTAssertGreaterThan(state["pid"] as? Int ?? 0, 1, "the pid as the caller sees it")
        XCTAssertTrue(["83", "258"].contains(read(out + ".nr")), "mkdir or mkdirat: \(read(out + ".nr"))")
        XCTAssertFalse(FileIO.exists(stateRoot + "/sn1"), "run removed the container")

        // Nobody listens at the path: the create fails and leaves nothing.
        let deaf = try bundle("sn2", args: ["true"], edit: profile(dir + "/nobody.sock"))
        let d = runc(["create", "--bundle", deaf, "sn2"])
        XCTAssertNotEqual(d.status, 0)
        XCTAssertTrue(d.stderr.contains("seccomp listener"), d.stderr)
        XCTAssertFalse(FileIO.exists(stateRoot + "/sn2"))

        for (i, (edit, reason)) in [(profile(nil), "needs listenerPath"),
                                    (profile(socket, names: ["close"]), "cannot apply to close"),
                                    (profile(socket, action: "SCMP_ACT_ALLOW", defaultAction: "SCMP_ACT_NOTIFY"), "cannot be the default action")].enumerated() {
            let refused = try bundle("sn3\(i)", args: ["true"], edit: edit)
            let r = runc(["create", "--bundle", refused, "sn3\(i)"])
            XCTAssertEqual(r.status, 125, reason)
            XCTAssertTrue(r.stderr.contains(reason), r.stderr)
        }
    }

    /// A new user namespace (`linux.uidMappings`/`gidMappings`, as podman's `--userns=auto`): the
    /// container's root is host uid 100000, a file it makes belongs to 100000 on the host, devices
    /// are the host's nodes bound in (mknod is refused there), and `exec` joins the same namespace
    /// (a process outside it would be the host's root in the container). Maps without a user
    /// namespace, a user namespace without maps, and joining one by path are refused.
    func testAUserNamespaceMapsRootToAnUnprivilegedHostUser() throws {
        let base: UInt32 = 100_000
        func userns(_ config: inout [String: Any]) {
            var linux = config["linux"] as! [String: Any]
            var namespaces = linux["namespaces"] as! [[String: Any]]
            namespaces.append(["type": "user"])
            linux["namespaces"] = namespaces
            linux["uidMappings"] = [["containerID": 0, "hostID": base, "size": 65536]]
            linux["gidMappings"] = [["containerID": 0, "hostID": base, "size": 65536]]
            config["linux"] = linux
            config["root"] = ["path": "rootfs", "readonly": false]
        }
        let b = try bundle("un1", args: ["sh", "-c", "id -u; cat /proc/self/uid_map; touch /made; echo x > /dev/null && echo devnull-ok; sleep 1000"],
                           edit: userns)
        // The mapped root must reach its root: the bundle's path is searchable, the tree its own.
        for dir in [scope.path, b] { XCTAssertEqual(chmod(dir, 0o755), 0) }
        XCTAssertEqual(Subprocess.run("/bin/chown", ["-R", "\(base):\(base)", b + "/rootfs"]).status, 0)
        let out = scope.path + "/un1.out"
        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", b, "un1"], output: out), 0, read(out))
        defer { runc(["delete", "--force", "un1"]) }
        let pid = try XCTUnwrap(try state("un1")["pid"] as? Int)
        XCTAssertTrue(eventually { read(out).contains("devnull-ok") }, read(out))
        let lines = read(out).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(lines.first, "0", "root inside: \(lines)")
        XCTAssertTrue(lines.contains("0 \(base) 65536"), "the map: \(lines)")
        let status = read("/proc/\(pid)/status")
        XCTAssertTrue(status.contains("Uid:\t\(base)\t\(base)\t\(base)\t\(base)"), "the init on the host: \(status)")
        var st = stat()
        XCTAssertEqual(stat(b + "/rootfs/made", &st), 0)
        XCTAssertEqual(st.st_uid, base, "a file made inside belongs to the mapped uid on the host")
        let exec = runc(["exec", "un1", "cat", "/proc/self/uid_map"])
        XCTAssertEqual(exec.status, 0, exec.stderr)
        XCTAssertEqual(exec.stdout.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines),
                       "0 \(base) 65536", "exec joined the container's user namespace")
        XCTAssertEqual(runc(["delete", "--force", "un1"]).status, 0)

        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("un2", { config in
                var linux = config["linux"] as! [String: Any]
                linux["uidMappings"] = [["containerID": 0, "hostID": base, "size": 1]]
                config["linux"] = linux
            }, "linux.uidMappings: needs a user namespace"),
            ("un3", { config in
                userns(&config)
                var linux = config["linux"] as! [String: Any]
                linux["gidMappings"] = [[String: Any]]()
                config["linux"] = linux
            }, "linux.gidMappings: a user namespace needs at least one mapping"),
            ("un4", { config in
                var linux = config["linux"] as! [String: Any]
                var namespaces = linux["namespaces"] as! [[String: Any]]
                namespaces.append(["type": "user", "path": "/proc/self/ns/user"])
                linux["namespaces"] = namespaces
                config["linux"] = linux
            }, "joining an existing user namespace"),
        ]
        for (id, edit, reason) in cases {
            let refused = try bundle(id, args: ["true"], edit: edit)
            let r = runc(["create", "--bundle", refused, id])
            XCTAssertNotEqual(r.status, 0, reason)
            XCTAssertTrue(r.stderr.contains(reason), r.stderr)
            XCTAssertFalse(FileIO.exists(stateRoot + "/" + id))
        }
    }

    /// A `create` killed after the init was made but before its pid was recorded: state.json has
    /// pid 0. `delete` still removes the waiting init, its cgroup and the state.
    func testDeleteFinishesACreateKilledMidway() throws {
        let b = try bundle("k9", args: ["true"])
        let out = scope.path + "/k9.out"
        XCTAssertEqual(runcToFile(["create", "--bundle", b, "k9"], output: out), 0, read(out))
        let pid = try XCTUnwrap(try state("k9")["pid"] as? Int)
        let file = stateRoot + "/k9/state.json"
        var record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(read(file).utf8)) as? [String: Any])
        record["pid"] = 0
        record["pidStartTime"] = nil
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try state("k9")["status"] as? String, "stopped")
        XCTAssertEqual(runc(["delete", "k9"]).status, 0)
        XCTAssertTrue(eventually { ProcStat.startTime(pid: Int32(pid)) == nil }, "the waiting init was left")
        XCTAssertFalse(FileIO.exists(stateRoot + "/k9"))
        for d in scope.cgroupDirectories { XCTAssertFalse(FileIO.exists(d + "/k9"), d) }
    }

    func testExec() throws {
        let b = try bundle("e1", args: ["sleep", "1000"])
        let out = scope.path + "/e1.out"
        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", b, "e1"], output: out), 0, read(out))
        let r = runc(["exec", "--env", "X=from-exec", "--cwd", "/tmp", "e1", "sh", "-c", "echo $X $(pwd) $(hostname); exit 3"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(r.stdout, "from-exec /tmp berth\n")

        let process = scope.path + "/process.json"
        try Data(#"{"args":["id","-u"],"cwd":"/","user":{"uid":1234,"gid":1234},"env":["PATH=/bin:/usr/bin"]}"#.utf8)
            .write(to: URL(fileURLWithPath: process))
        let p = runc(["exec", "--process", process, "e1"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout, "1234\n")

        let pidFile = scope.path + "/exec.pid"
        XCTAssertEqual(runcToFile(["exec", "--detach", "--pid-file", pidFile, "e1", "sleep", "1000"], output: out), 0, read(out))
        let pid = try XCTUnwrap(Int32(read(pidFile)))
        XCTAssertTrue(read("/proc/\(pid)/cgroup").contains(scope.cgroupParent + "/e1"))
        XCTAssertTrue(runc(["ps", "--format", "json", "e1"]).stdout.contains(String(pid)))
        XCTAssertEqual(runc(["delete", "--force", "e1"]).status, 0)
    }

    /// `exec --preserve-fds N` (podman's exec with socket activation): the caller's 3 … 3+N-1
    /// reach the process at the same numbers, a gap as /dev/null, nothing of berth-runc's or the
    /// shim's besides; without the flag only stdio.
    func testExecPassesPreservedDescriptors() throws {
        let b = try bundle("ef", args: ["sleep", "1000"])
        let dir = scope.path
        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", b, "ef"], output: dir + "/ef.out"), 0, read(dir + "/ef.out"))
        let command = ["ef", "sh", "-c", Self.preservedFDScript]
        assertThreePreserved(runWithDescriptors(["exec", "--preserve-fds", "3"] + command, tag: "x1"), tag: "x1")
        let plain = runWithDescriptors(["exec"] + command, tag: "x2")
        XCTAssertEqual(read(dir + "/x2.3"), "", "fd 3 is not passed without --preserve-fds")
        XCTAssertEqual(plain.split(separator: "\n").compactMap { Int($0) }.sorted(), [0, 1, 2, 3], plain)
        let bad = runc(["exec", "--preserve-fds", "x", "ef", "true"])
        XCTAssertEqual(bad.status, 125)
        XCTAssertTrue(bad.stderr.contains("--preserve-fds"), bad.stderr)
        XCTAssertEqual(runc(["delete", "--force", "ef"]).status, 0)
    }

    // MARK: - the bundle, field by field

    /// `domainname` (runtime-spec 1.1; Debian's runc 1.1 ignores it, so it is not in the
    /// comparison below): set in the container's UTS namespace; refused without one.
    func testDomainnameIsSetInTheUTSNamespace() throws {
        let b = try bundle("dn1", args: ["cat", "/proc/sys/kernel/domainname"]) { config in
            config["domainname"] = "field.example"
        }
        let out = scope.path + "/dn1.out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, "dn1"], output: out), 0, read(out))
        XCTAssertEqual(read(out), "field.example\n")
        let noUTS = try bundle("dn2", args: ["true"]) { config in
            config["domainname"] = "field.example"
            config.removeValue(forKey: "hostname")
            var linux = config["linux"] as! [String: Any]
            linux["namespaces"] = (linux["namespaces"] as! [[String: Any]]).filter { $0["type"] as? String != "uts" }
            config["linux"] = linux
        }
        let refused = scope.path + "/dn2.out"
        XCTAssertNotEqual(runcToFile(["run", "--bundle", noUTS, "dn2"], output: refused), 0)
        XCTAssertTrue(read(refused).contains("domainname: setting it needs a uts namespace in linux.namespaces"), read(refused))
    }

    /// What the container sees of each field; every line is checked against the config's value.
    func testProcessAndLinuxFieldsAreHonoured() throws {
        let script = """
            echo cwd=$(pwd); echo uid=$(id -u) gid=$(id -g) groups=$(id -G); echo env=$GREETING
            echo host=$(hostname); echo nofile=$(ulimit -n); echo umask=$(umask)
            echo oom=$(cat /proc/self/oom_score_adj)
            echo nnp=$(grep NoNewPrivs /proc/self/status | tr -d '\\t ')
            echo capbnd=$(grep CapBnd /proc/self/status | tr -d '\\t ')
            touch /rootfile 2>/dev/null && echo root=rw || echo root=ro
            touch /scratch/f && echo scratch=rw
            echo masked=$(wc -c < /proc/cmdline)
            echo shm=$(cat /proc/sys/kernel/shmmni)
            (echo 5 > /proc/sys/kernel/shmmni) 2>/dev/null && echo sys=rw || echo sys=ro
            """
        let b = try bundle("f1", args: ["sh", "-c", script]) { config in
            config["hostname"] = "fieldtest"
            var process = config["process"] as! [String: Any]
            process["cwd"] = "/home/work"
            process["user"] = ["uid": 1000, "gid": 100, "additionalGids": [10, 20], "umask": 0o027]
            process["env"] = ["PATH=/bin:/usr/bin", "GREETING=hi there"]
            process["rlimits"] = [["type": "RLIMIT_NOFILE", "hard": 200, "soft": 100]]
            process["oomScoreAdj"] = 123
            process["noNewPrivileges"] = true
            process["capabilities"] = ["bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]]
            config["process"] = process
            config["root"] = ["path": "rootfs", "readonly": true]
            var mounts = config["mounts"] as! [[String: Any]]
            mounts.append(["destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777", "size=1m"]])
            config["mounts"] = mounts
            var linux = config["linux"] as! [String: Any]
            linux["sysctl"] = ["kernel.shmmni": "1234"]
            linux["maskedPaths"] = (linux["maskedPaths"] as! [String]) + ["/proc/cmdline"]
            config["linux"] = linux
        }
        try FileManager.default.createDirectory(atPath: b + "/rootfs/home/work", withIntermediateDirectories: true)
        // runc 1.1 chmods a tmpfs to the mode its mount point had (mode= notwithstanding): give
        // both runtimes a mount point that is already 1777.
        XCTAssertEqual(mkdir(b + "/rootfs/scratch", 0o1777), 0)
        XCTAssertEqual(chmod(b + "/rootfs/scratch", 0o1777), 0)
        let out = scope.path + "/f1.out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, "f1"], output: out), 0, read(out))
        let expected = """
            cwd=/home/work
            uid=1000 gid=100 groups=100 10 20
            env=hi there
            host=fieldtest
            nofile=100
            umask=0027
            oom=123
            nnp=NoNewPrivs:1
            capbnd=CapBnd:0000000000000020
            root=ro
            scratch=rw
            masked=0
            shm=1234
            sys=ro

            """
        XCTAssertEqual(read(out), expected)

        // The same bundle under Debian's runc (installed with containerd) and crun, where they are
        // present: a difference in behaviour shows as a failing comparison.
        assertOtherRuntimesPrint(expected, name: "f1", bundle: b, field: "bundle", sorted: false)
    }

    /// Namespaces given by path are joined, as a pod's containers join its sandbox's: the second
    /// container sees the first one's network, ipc, uts and pid namespaces.
    func testNamespacesGivenByPathAreJoined() throws {
        let sandbox = try bundle("sb", args: ["sleep", "1000"]) { config in config["hostname"] = "podhost" }
        let out = scope.path + "/sb.out"
        XCTAssertEqual(runcToFile(["run", "-d", "--bundle", sandbox, "sb"], output: out), 0, read(out))
        let pid = try XCTUnwrap(try state("sb")["pid"] as? Int)
        let types = ["net": "network", "ipc": "ipc", "uts": "uts", "pid": "pid"]
        let b = try bundle("member", args: ["sh", "-c", "for n in net ipc uts pid; do readlink /proc/self/ns/$n; done; hostname"]) { config in
            var linux = config["linux"] as! [String: Any]
            linux["namespaces"] = [["type": "mount"], ["type": "cgroup"]] + types.map { ["type": $0.value, "path": "/proc/\(pid)/ns/\($0.key)"] }
            config["linux"] = linux
            config["hostname"] = nil
        }
        let memberOut = scope.path + "/member.out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, "member"], output: memberOut), 0, read(memberOut))
        let expected = ["net", "ipc", "uts", "pid"].map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\($0)")) ?? "?" }
        XCTAssertEqual(read(memberOut), (expected + ["podhost"]).joined(separator: "\n") + "\n")
        XCTAssertEqual(runc(["delete", "--force", "sb"]).status, 0)
    }

    /// A mount target through a symlink of the image lands inside the rootfs, never on the host.
    func testMountTargetThroughASymlinkStaysInTheRoot() throws {
        let hostSide = "/berth-runc-escape-\(getpid())"
        let b = try bundle("s1", args: ["sh", "-c", "ls \(hostSide)"]) { config in
            var mounts = config["mounts"] as! [[String: Any]]
            mounts.append(["destination": "/escape/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]])
            config["mounts"] = mounts
        }
        XCTAssertEqual(symlink(hostSide, b + "/rootfs/escape"), 0)
        let out = scope.path + "/s1.out"
        XCTAssertEqual(runcToFile(["run", "--bundle", b, "s1"], output: out), 0, read(out))
        XCTAssertEqual(read(out), "inner\n")
        XCTAssertFalse(FileIO.exists(hostSide), "the mount target escaped the rootfs")
        XCTAssertTrue(KernelFile.isDirectory(b + "/rootfs" + hostSide + "/inner"))
    }

    /// Each bad bundle: a one-line error naming the field, and nothing made.
    func testHostileBundlesAreRefusedWithNothingLeft() throws {
        func refused(_ name: String, _ field: String, file: StaticString = #filePath, line: UInt = #line,
                     _ make: (String) throws -> Void) throws {
            let dir = try bundle(name, args: ["true"])
            try make(dir)
            let r = runc(["create", "--bundle", dir, name])
            XCTAssertNotEqual(r.status, 0, "\(name) was accepted", file: file, line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
            XCTAssertTrue(r.stderr.hasPrefix("berth-runc: ") && r.stderr.contains(field), "\(name): \(r.stderr)", file: file, line: line)
            XCTAssertFalse(FileIO.exists(stateRoot + "/" + name), "\(name): state left", file: file, line: line)
            for dir in scope.cgroupDirectories {
                XCTAssertFalse(FileIO.exists(dir + "/" + name), "\(name): cgroup left", file: file, line: line)
            }
            XCTAssertEqual(HostLeaks.processes(mentioning: dir), [], file: file, line: line)
        }
        func editConfig(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
            let url = URL(fileURLWithPath: dir + "/config.json")
            var c = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            edit(&c)
            try JSONSerialization.data(withJSONObject: c).write(to: url)
        }
        func addMount(_ dir: String, _ mount: [String: Any]) throws {
            try editConfig(dir) { c in c["mounts"] = (c["mounts"] as! [[String: Any]]) + [mount] }
        }
        func setNamespaces(_ dir: String, _ ns: [[String: Any]]) throws {
            try editConfig(dir) { c in var l = c["linux"] as! [String: Any]; l["namespaces"] = ns; c["linux"] = l }
        }
        try refused("noconfig", "config.json") { try FileManager.default.removeItem(atPath: $0 + "/config.json") }
        try refused("badjson", "config.json") { try Data("{\"ociVersion\": \"1.0.2\", ".utf8).write(to: URL(fileURLWithPath: $0 + "/config.json")) }
        try refused("norootfs", "root.path") { try FileManager.default.removeItem(atPath: $0 + "/rootfs") }
        try refused("dotdot", "mounts[7].destination") { try addMount($0, ["destination": "/../../etc/x", "type": "tmpfs", "source": "tmpfs"]) }
        try refused("relative", "mounts[7].destination") { try addMount($0, ["destination": "etc/x", "type": "tmpfs", "source": "tmpfs"]) }
        try refused("badns", "linux.namespaces[1].type") { try setNamespaces($0, [["type": "mount"], ["type": "bogus"]]) }
        try refused("nsjoin", "linux.namespaces[1].path") { try setNamespaces($0, [["type": "mount"], ["type": "network", "path": "/proc/999999999/ns/net"]]) }
        try refused("mntjoin", "linux.namespaces[0].path") { try setNamespaces($0, [["type": "mount", "path": "/proc/1/ns/mnt"]]) }
        try refused("notns", "linux.namespaces path /proc/self/ns/uts") {
            try setNamespaces($0, [["type": "mount"], ["type": "network", "path": "/proc/self/ns/uts"], ["type": "uts"]])
        }
        try refused("userns", "linux.uidMappings: a user namespace needs at least one mapping") { try setNamespaces($0, [["type": "mount"], ["type": "user"]]) }
        try refused("timens", "linux.namespaces[1].type") { try setNamespaces($0, [["type": "mount"], ["type": "time"]]) }
        try refused("nomountns", "linux.namespaces") { try setNamespaces($0, [["type": "pid"]]) }
        try refused("noargs", "process.args") { dir in
            try editConfig(dir) { c in var p = c["process"] as! [String: Any]; p["args"] = [String](); c["process"] = p }
        }
        try refused("badcap", "CAP_BOGUS") { dir in
            try editConfig(dir) { c in var p = c["process"] as! [String: Any]; p["capabilities"] = ["bounding": ["CAP_BOGUS"]]; c["process"] = p }
        }
        try refused("rootcg", "linux.cgroupsPath") { dir in
            try editConfig(dir) { c in var l = c["linux"] as! [String: Any]; l["cgroupsPath"] = "/rootcg"; c["linux"] = l }
        }
        func setResources(_ dir: String, _ resources: [String: Any]) throws {
            try editConfig(dir) { c in var l = c["linux"] as! [String: Any]; l["resources"] = resources; c["linux"] = l }
        }
        try refused("lowweight", "the block IO weight (5) must be between 10 and 1000") { try setResources($0, ["blockIO": ["weight": 5]]) }
        try refused("bigweight", "the block IO weight (70000) must be between 10 and 1000") { try setResources($0, ["blockIO": ["weight": 70_000]]) }
        try refused("negrate", "the device-write-iops rate of device 8:0 (-5) must not be negative") {
            try setResources($0, ["blockIO": ["throttleWriteIOPSDevice": [["major": 8, "minor": 0, "rate": -5]]]])
        }
        try refused("baddevice", "device-read-bps device -1:0 is not a device number Linux has") {
            try setResources($0, ["blockIO": ["throttleReadBpsDevice": [["major": -1, "minor": 0, "rate": 1]]]])
        }
        try refused("lowperiod", "the CPU period (10)") { try setResources($0, ["cpu": ["period": 10, "quota": 5000]]) }
        try refused("reservation", "Minimum memory limit should be larger than memory reservation limit") {
            try setResources($0, ["memory": ["limit": 64 << 20, "reservation": 128 << 20]])
        }
        try refused("badmems", "the cpuset memory nodes '0;x'") { try setResources($0, ["cpu": ["mems": "0;x"]]) }
        let bad = runc(["create", "--bundle", scope.path, "../escape"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("invalid container name"), bad.stderr)
    }
}
